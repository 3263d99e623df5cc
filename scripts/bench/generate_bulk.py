#!/usr/bin/env python3
"""Fills an empty tracker database directly, without the API, with a programme the size of the
whole city's: by default a million trainees and ten million follow-ups, which scripts/generate.py
(through the API, request by request) would take days to make. The data is what the API would
have stored, and keeps every rule of the schema:

- trainees spread unevenly over the 13 counties, with valid and unique identity numbers (ages 19
  to 58), mobile numbers, one or two categories each, education and declared care work;
- about 200 training providers, 20 evaluation agencies and 500 employers, with valid credit codes;
- cohorts of about 40 places over three years (the year of --today and the two before it), mostly
  L5 elderly care, some of other occupations, some L4 (about 8 %, for trainees who passed an L5
  before) and L3 (about 2 %, for those who passed an L4); those that ended before --today are
  closed, the others running;
- one enrolment for about 60 % of the trainees: about 85 % completed (the planned days attended),
  8 % dropped, the rest still in a running cohort; an assessment for about 95 % of completions a
  few days after the end, 90 % passed, each pass with its certificate (`skill_level`, the number
  carrying the level and the issue year);
- an income threshold in force for every county but 141130 (交口县), whose employment is then
  `income_unassessed`;
- a placement for about 65 % of those who completed, from their first completion on: 80 % with an
  employer (confirmed by most, disputed by 5 %, unanswered by 10 %), 20 % with a household;
  unconfirmed work is field-verified by the first visit or call that finds the person at work
  there; 10 % ended since; wages of
  2,000 to 9,000 yuan a month, 8 % under 1,000;
- follow-ups about monthly from each placement's start to its end or yesterday, with extra
  check-ins between them (or fewer) so that there are about --follow-ups in all; some placements
  end with a run of follow-ups that no longer find the person there. Each placement keeps what
  the API keeps from its follow-ups: the latest day, the day the person stopped working there,
  its field verification, when the next one is due, its version.

The attendance registers (enrolments carry their attended days all the same), eligibility,
audit, idempotency and report tables are left empty: `POST /api/v1/reports/rebuild` computes
the report data afterwards. Follow-ups are recorded by the administrator, when there is one.

    scripts/bench/generate_bulk.py --database-url postgres://postgres@127.0.0.1:5432/tracker_bench_reports
    scripts/bench/generate_bulk.py --database-url sqlite://data/tracker.db --trainees 20000

The database must have its schema (a server started on it once applies the migrations) and no
programme data yet; an administrator and settings may be there. The server may be running.
PostgreSQL is fed through one `psql` process, COPY in text form, in one transaction (see
PostgresSink: nothing is kept if anything fails; requests that read the tables being filled
wait for its end), then vacuumed and analysed. SQLite is written with the standard library's
sqlite3 module in transactions of about 200,000 rows. Rows are made in batches and written as
they are made, never all held at once. The same --seed and --today make the same data, on either
engine. Standard library only. Progress goes to standard error; the last line of standard output
is one JSON object: the rows written to each table, a few counts of what they hold, and the
seconds taken.
"""

import argparse
import array
import bisect
import datetime
import json
import os
import random
import sqlite3
import subprocess
import sys
import time

COUNTIES = ["141102", "141121", "141122", "141123", "141124", "141125", "141126",
            "141127", "141128", "141129", "141130", "141181", "141182"]
COUNTY_NAMES = ["离石区", "文水县", "交城县", "兴县", "临县", "柳林县", "石楼县",
                "岚县", "方山县", "中阳县", "交口县", "孝义市", "汾阳市"]
# Roughly the counties' populations: uneven on purpose.
COUNTY_WEIGHTS = [35, 42, 23, 28, 58, 33, 12, 17, 14, 14, 11, 48, 41]
# The county left without an income threshold: its employment is `income_unassessed`.
NO_THRESHOLD_COUNTY = "141130"

OCCUPATIONS = ["elderly_care", "medical_care", "infant_care", "maternity_care",
               "domestic_service", "long_term_care"]
OCCUPATION_NAMES = ["养老护理", "医疗护理", "育婴", "母婴护理", "家政服务", "长期照护"]
POSITIONS = ["养老护理员", "医疗护理员", "育婴员", "母婴护理员", "家政服务员", "长期照护师"]
# Occupations of L5 cohorts (those of L4 and L3: 85 % elderly care, the rest any other).
L5_OCCUPATION_WEIGHTS = [64, 8, 9, 8, 8, 3]
LEVEL_NAMES = {"L5": "五级", "L4": "四级", "L3": "三级"}
LEVEL_DIGITS = {"L5": "5", "L4": "4", "L3": "3"}
# Planned days of a cohort by level; classes six days a week.
PLANNED_DAYS = {"L5": [20, 26, 26, 30], "L4": [30, 36, 40], "L3": [45, 50, 60]}

# Common surnames, those frequent in Shanxi twice.
SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
            "阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
            "白冯高郝郭韩")
GIVEN = "秀英桂兰玉梅淑珍凤兰丽娟春花美玲海燕红霞建华建国志强晓东丽华桂芳翠兰金凤爱萍秀珍润平彩云小红月娥俊芳"
TOWNSHIPS = ["城关镇", "穆村镇", "薛村镇", "庄上镇", "留誉镇", "孟门镇", "金家庄乡", "成家庄镇", "信义镇",
             "吴城镇", "大武镇", "枣林乡", "三交镇", "碛口镇", "下堡镇", "峪口镇"]
CATEGORIES = ["rural_transfer", "unemployed", "poverty_alleviated", "poverty_monitoring",
              "college_graduate", "vocational_graduate", "flexible_worker", "gig_market",
              "disabled", "veteran", "enterprise_employee"]
CATEGORY_WEIGHTS = [40, 12, 14, 5, 3, 5, 8, 3, 3, 1, 6]
EDUCATION = ["none", "primary", "junior_secondary", "senior_secondary", "secondary_vocational",
             "technician_college", "higher_vocational", "college", "bachelor"]
EDUCATION_WEIGHTS = [2, 12, 40, 18, 12, 2, 6, 6, 2]
# Schooling in the field that makes someone eligible for L4 (and, holding L4, for L3).
L4_SCHOOLING = {"secondary_vocational", "technician_college", "higher_vocational", "college", "bachelor"}
L3_SCHOOLING = {"technician_college", "higher_vocational"}
PRIOR_MONTHS = [0, 0, 0, 0, 6, 12, 30, 48, 60, 96]

PROVIDER_PREFIXES = ["", "阳光", "康宁", "福寿", "仁和", "惠民", "吕梁山", "晋西", "安康", "德馨", "颐和", "同心"]
PROVIDER_KINDS = ["职业培训学校", "家政服务培训中心", "康养技能培训学校", "护理职业培训中心", "技工学校",
                  "养老服务培训基地", "职业技能培训中心"]
AGENCY_NAMES = ["吕梁市职业技能鉴定中心", "山西省康养职业技能评价中心", "吕梁学院技能评价站", "山西省人力资源技能评价中心",
                "吕梁市卫生职业技能评价站", "山西省家庭服务业协会评价站", "太原市养老服务技能评价中心",
                "吕梁市技师学院评价站", "山西医科大学技能评价中心", "吕梁市社会福利院评价站"]
EMPLOYER_CITIES = [("北京市", "110105", 30), ("太原市", "140105", 20), ("吕梁市", None, 18), ("天津市", "120101", 10),
                   ("青岛市", "370202", 6), ("西安市", "610102", 6), ("石家庄市", "130102", 5), ("上海市", "310101", 5)]
EMPLOYER_BRANDS = ["康颐", "福寿", "颐养", "安心", "乐龄", "爱心", "仁爱", "金色年华", "幸福里", "松鹤", "椿萱", "慈航",
                   "睦邻", "百合", "康乃馨", "贝贝", "好孕", "月光", "暖阳", "长乐"]
EMPLOYER_KINDS = ["养老服务有限公司", "护理院", "家政服务有限公司", "母婴护理中心", "康养中心", "社会福利院",
                  "医院护工服务部", "居家养老服务站"]
HOUSEHOLD_CITIES = ["北京市", "北京市", "太原市", "天津市", "吕梁市", "西安市", "上海市"]
EMPLOYER_CONTRACTS = ["labour_contract"] * 5 + ["labour_service"] * 2 + ["dispatch"] * 2 + ["unwritten"]
HOUSEHOLD_CONTRACTS = ["household_service"] * 7 + ["unwritten"] * 3
MODES = ["in_person"] * 8 + ["blended", "online"]
CHANNELS = ["phone"] * 6 + ["visit"] * 3 + ["app"]
DROP_REASONS = ["外出务工", "家中有事", "身体原因", "出勤不足", "照顾老人", "找到工作"]
DISPUTE_REASONS = ["查无此人", "未在本单位工作", "入职日期不符"]
END_REASONS = ["合同期满", "家中有事", "换了工作", "雇主不再需要", "回乡照顾家人"]
OVERRIDE_REASONS = ["县人社局同意：在养老机构工作多年", "县人社局同意：企业订单班需要", "市人社局批准：护理骨干培养计划"]
FOLLOW_UP_NOTES = ["电话未接通，次日回拨", "雇主反映表现良好", "已签订续签合同", "工资按时发放", "本人要求换岗"]

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

DAY = 86400
# UUID version 4: the version nibble and the RFC 4122 variant bits.
UUID_CLEAR = ((1 << 128) - 1) ^ ((0xF << 76) | (0x3 << 62))
UUID_SET = (0x4 << 76) | (0x2 << 62)


def uuid_from(bits):
    h = "%032x" % ((bits & UUID_CLEAR) | UUID_SET)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_uuid(rng):
    return uuid_from(rng.getrandbits(128))


def credit_code(rng, region):
    """A valid GB 32100 unified social credit code in `region` (six digits)."""
    body = "91" + region + "".join(rng.choice(CREDIT_ALPHABET) for _ in range(9))
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS))
    return body + CREDIT_ALPHABET[(31 - total % 31) % 31]


def id_check(first17):
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS))
    return "10X98765432"[total % 11]


def weighted(weights):
    """A function drawing an index by `weights` from a uniform number in [0, 1)."""
    total = sum(weights)
    bounds = []
    running = 0
    for w in weights:
        running += w
        bounds.append(running / total)
    bounds[-1] = 1.0
    last = len(weights) - 1
    return lambda u: min(bisect.bisect_right(bounds, u), last)


def today_in_china():
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).date()


STARTED = time.time()


def log(message):
    print(f"[{time.time() - STARTED:5.0f}s] {message}", file=sys.stderr, flush=True)


class Calendar:
    """Days as ordinals and times as seconds since `base` 00:00 UTC, with their text cached.
    An office-hours time of a day in China (08:00-19:59, UTC+8) is 00:00-11:59 UTC of the same
    day. `now` is the last second before --today began in China: every time written is at or
    before it, so that nothing is dated after the server's today."""

    def __init__(self, today):
        self.today = today.toordinal()
        self.yesterday = self.today - 1
        self.base = datetime.date(today.year - 5, 1, 1).toordinal()
        self.days = [datetime.date.fromordinal(o).isoformat() for o in range(self.base, self.today + 400)]
        self.clock = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]
        self.now = (self.today - self.base) * DAY - 8 * 3600 - 1

    def day(self, ordinal):
        return self.days[ordinal - self.base]

    def office(self, ordinal, u):
        """A time of the working day `ordinal` (China), from a uniform `u`."""
        return (ordinal - self.base) * DAY + int(u * 43200)

    def stamp(self, t):
        if t > self.now:
            t = self.now
        return self.days[t // DAY] + " " + self.clock[t % DAY]


# ---------------------------------------------------------------------------------------------
# Where the rows go.

def pg_text(value):
    """A value in COPY's text form."""
    if value is None:
        return "\\N"
    if value.__class__ is str:
        if value.isprintable() and "\\" not in value:
            return value
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)  # int; True/False are valid boolean input


class PostgresSink:
    """One psql process reading a script from its standard input, one transaction in all: a
    COPY … FROM stdin block per batch, in the order of the references. The plain indexes of the
    tables filled (not those of primary keys and unique constraints) are dropped at its start and
    built again at its end, which is several times faster than keeping them up to date row by row;
    a superuser also skips the row-by-row foreign-key triggers (session_replication_role), and
    every foreign key is then checked at once before the commit. Whatever fails, nothing is
    kept: the schema and its indexes stay as they were."""

    def __init__(self, url):
        self.url = url
        self.counts = {}
        tables = ", ".join(f"'{t}'" for t in FILLED_TABLES)
        self.indexes = [line.split("\t", 1) for line in psql(url, f"""
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename IN ({tables})
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)
            ORDER BY i.tablename, i.indexname""", separator="\t").splitlines()]
        self.superuser = psql(url, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user") == "t"
        self.references = [line.split("|") for line in psql(url, f"""
            SELECT c.conrelid::regclass, a.attname, c.confrelid::regclass, b.attname FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            JOIN pg_attribute b ON b.attrelid = c.confrelid AND b.attnum = c.confkey[1]
            WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 AND c.conrelid::regclass::text IN ({tables})
            ORDER BY 1, 2""").splitlines()]
        env = dict(os.environ, PGCLIENTENCODING="UTF8")
        self.proc = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url],
                                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env)
        self._send("SET client_encoding = 'UTF8';\nBEGIN;\nSET LOCAL maintenance_work_mem = '256MB';\n"
                   + ("SET LOCAL session_replication_role = replica;\n" if self.superuser else "")
                   + "".join(f"DROP INDEX {name};\n" for name, _ in self.indexes))

    def _send(self, text):
        try:
            self.proc.stdin.write(text.encode("utf-8"))
        except BrokenPipeError:
            self.proc.wait()
            sys.exit(f"psql stopped (exit status {self.proc.returncode}); its message is above. Nothing was kept.")

    def copy(self, table, columns, rows, safe=False):
        """Writes `rows` (tuples of str, int, bool or None). `safe`: their strings need no
        escaping (ids, dates, names of values, fixed texts without tabs or backslashes)."""
        if not rows:
            return
        if safe:
            lines = ["\t".join([v if v.__class__ is str else ("\\N" if v is None else str(v)) for v in row])
                     for row in rows]
        else:
            lines = ["\t".join([pg_text(v) for v in row]) for row in rows]
        self._send(f"COPY {table} ({', '.join(columns)}) FROM stdin;\n" + "\n".join(lines) + "\n\\.\n")
        self.counts[table] = self.counts.get(table, 0) + len(rows)

    def close(self):
        script = []
        if self.superuser:
            # The triggers were off: every reference is checked here instead.
            for table, column, target, key in self.references:
                script.append(
                    f"DO $$ BEGIN IF EXISTS (SELECT 1 FROM {table} x WHERE x.{column} IS NOT NULL AND NOT EXISTS "
                    f"(SELECT 1 FROM {target} y WHERE y.{key} = x.{column})) THEN RAISE EXCEPTION "
                    f"'{table}.{column} names a row missing from {target}'; END IF; END $$;\n")
        script += [f"{definition};\n" for _, definition in self.indexes]
        log(f"committing: {len(self.indexes)} indexes to build"
            + (f", {len(self.references)} references to check" if self.superuser else ""))
        self._send("".join(script) + "COMMIT;\n")
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        if self.proc.wait() != 0:
            sys.exit(f"psql failed (exit status {self.proc.returncode}); its message is above. Nothing was kept.")

    def finish(self):
        log("vacuuming and analysing")
        psql(self.url, "VACUUM ANALYZE")


class SqliteSink:
    """The sqlite3 module on the file, in transactions of about 200,000 rows. The journal mode
    stays as the server set it (WAL)."""

    def __init__(self, path):
        self.counts = {}
        self.conn = sqlite3.connect(path, timeout=60, isolation_level=None)
        self.conn.execute("PRAGMA cache_size = -65536")
        self.pending = 0

    def copy(self, table, columns, rows, safe=False):
        if not rows:
            return
        if self.pending == 0:
            self.conn.execute("BEGIN IMMEDIATE")
        marks = ", ".join("?" * len(columns))
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        self.pending += len(rows)
        if self.pending >= 200_000:
            self.conn.execute("COMMIT")
            self.pending = 0

    def close(self):
        if self.pending:
            self.conn.execute("COMMIT")
            self.pending = 0

    def finish(self):
        # What the server does every minute: statistics for the planner.
        self.conn.executescript("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;")
        self.conn.close()


def psql(url, sql, separator="|"):
    env = dict(os.environ, PGCLIENTENCODING="UTF8")
    done = subprocess.run(["psql", "-X", "-q", "-At", "-F", separator, "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"psql: {done.stderr.strip()}")
    return done.stdout.strip()


FILLED_TABLES = ["organisations", "trainees", "trainee_categories", "cohorts", "enrolments", "assessments",
                 "certificates", "income_thresholds", "placements", "follow_ups"]
PROGRAMME_TABLES = ["trainees", "organisations", "cohorts", "enrolments", "placements", "follow_ups",
                    "income_thresholds", "certificates"]


def open_sink(url):
    """The sink for `url`, after checking that the schema is there and holds no programme data;
    also the administrator's id (follow-ups are recorded by them), if there is one."""
    if url.startswith(("postgres://", "postgresql://")):
        try:
            present = psql(url, "SELECT to_regclass('follow_ups') IS NOT NULL")
        except FileNotFoundError:
            sys.exit("psql is missing: apt-get install postgresql-client")
        if present != "t":
            sys.exit("the database has no schema yet: start the server on it once (it applies the migrations)")
        counts = psql(url, "SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in PROGRAMME_TABLES))
        counts = [int(n) for n in counts.split("|")]
        admin = psql(url, "SELECT id FROM users WHERE username = 'admin'") or None
        sink = None
    elif url.startswith("sqlite://") and len(url) > len("sqlite://"):
        path = url[len("sqlite://"):]
        if not os.path.isfile(path):
            sys.exit(f"no database file at {path}: start the server on it once (it applies the migrations)")
        conn = sqlite3.connect(path, timeout=60)
        try:
            counts = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in PROGRAMME_TABLES]
        except sqlite3.OperationalError as error:
            sys.exit(f"the database has no schema yet ({error}): start the server on it once")
        row = conn.execute("SELECT id FROM users WHERE username = 'admin'").fetchone()
        admin = row[0] if row else None
        conn.close()
        sink = SqliteSink(path)
    else:
        sys.exit("--database-url must start with sqlite:// (and a path) or postgres://")
    full = [f"{t} ({n} rows)" for t, n in zip(PROGRAMME_TABLES, counts) if n]
    if full:
        sys.exit("this database holds programme data already: " + ", ".join(full)
                 + ". Fill a fresh one (for PostgreSQL: dropdb, createdb, start the server once).")
    return (sink or PostgresSink(url)), admin


# ---------------------------------------------------------------------------------------------
# The plan: who the trainees are, the organisations, the cohorts and who is in them.

class Cohort:
    __slots__ = ("index", "id", "code", "name", "provider", "occupation", "level", "county", "funding", "mode",
                 "start", "end", "planned_days", "capacity", "members", "overrides", "seed",
                 "places_taken", "version", "created", "updated")


class Programme:
    def __init__(self, args, cal):
        self.cal = cal
        self.seed = args.seed
        n = args.trainees
        self.n = n
        rng = random.Random(f"{args.seed}:trainees")
        u = rng.random
        county_of = weighted(COUNTY_WEIGHTS)
        education_of = weighted(EDUCATION_WEIGHTS)
        # Ages 19 to 58 on --today: from 16 at the start of the three years, under 60 at its end.
        youngest = cal.today - 6941
        span = 14570
        self.ids = bytearray(16 * n)
        self.county = array.array("B", bytes(n))
        self.birth = array.array("i", [0]) * n
        self.female = array.array("B", bytes(n))
        self.education = array.array("B", bytes(n))
        self.in_care = array.array("B", bytes(n))
        self.prior = array.array("H", [0]) * n
        for i in range(n):
            self.ids[16 * i:16 * i + 16] = ((rng.getrandbits(128) & UUID_CLEAR) | UUID_SET).to_bytes(16, "big")
            self.county[i] = county_of(u())
            self.birth[i] = youngest - int(u() * span)
            self.female[i] = u() < 0.85
            e = education_of(u())
            self.education[i] = e
            self.in_care[i] = EDUCATION[e] in L4_SCHOOLING and u() < 0.4
            self.prior[i] = PRIOR_MONTHS[int(u() * len(PRIOR_MONTHS))]
        # Filled by the cohorts' simulation.
        self.first_enrolled = array.array("i", [0]) * n
        self.first_completed = array.array("i", [0]) * n
        self.completed_occupation = array.array("B", bytes(n))
        self.cohorts = []
        self.detail = {"completed": 0, "dropped": 0, "in_training": 0, "passed": 0, "level_gate_overridden": 0}

    def trainee_id(self, i):
        h = self.ids[16 * i:16 * i + 16].hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    # -- organisations --------------------------------------------------------------------------

    def plan_organisations(self):
        rng = random.Random(f"{self.seed}:organisations")
        cal = self.cal
        window = datetime.date.fromordinal(cal.today).year - 2
        first_day = datetime.date(window, 1, 1).toordinal()
        rows = []
        self.providers_of = [[] for _ in COUNTIES]
        self.agencies = []
        self.employers = []
        codes = set()

        def code(region):
            while True:
                c = credit_code(rng, region)
                if c not in codes:
                    codes.add(c)
                    return c

        def stamp():
            return cal.stamp(cal.office(first_day - 30 - rng.randint(0, 400), rng.random()))

        def phone():
            return f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"

        names = set()
        for k in range(200):
            county = k % len(COUNTIES) if k < 195 else 0
            while True:
                name = COUNTY_NAMES[county] + rng.choice(PROVIDER_PREFIXES) + rng.choice(PROVIDER_KINDS)
                if name in names:
                    name = f"{name}第{len(names) % 9 + 2}分校"
                if name not in names:
                    break
            names.add(name)
            oid = new_uuid(rng)
            at = stamp()
            rows.append((oid, name, "吕梁市", COUNTIES[county], True, 1, at, at, "provider",
                         code(COUNTIES[county]), rng.choice(SURNAMES) + "老师", phone()))
            self.providers_of[county].append(oid)
        for k in range(20):
            name = AGENCY_NAMES[k % len(AGENCY_NAMES)] + ("" if k < len(AGENCY_NAMES) else "（第二考点）")
            oid = new_uuid(rng)
            at = stamp()
            city, county = ("太原市", None) if "太原" in name or "省" in name else ("吕梁市", "141102")
            rows.append((oid, name, city, county, True, 1, at, at, "agency",
                         code("140100" if county is None else "141100"), rng.choice(SURNAMES) + "主任", phone()))
            # The agency's four digits on the certificates it issues.
            self.agencies.append((oid, f"{1401 + k:04d}"))
        city_of = weighted([w for _, _, w in EMPLOYER_CITIES])
        names = set()
        for k in range(500):
            city, region, _ = EMPLOYER_CITIES[city_of(rng.random())]
            county = None
            if region is None:
                county = rng.choice(COUNTIES)
                region = county
            while True:
                name = city[:-1] + rng.choice(EMPLOYER_BRANDS) + rng.choice(EMPLOYER_KINDS)
                if name in names:
                    name = name.replace(city[:-1], city[:-1] + rng.choice(["朝阳", "海淀", "丰台", "城西", "城东", "南郊"]), 1)
                if name not in names:
                    break
            names.add(name)
            oid = new_uuid(rng)
            at = stamp()
            rows.append((oid, name, city, county, True, 1, at, at, "employer", code(region),
                         rng.choice(SURNAMES) + "经理", phone()))
            self.employers.append((oid, city))
        self.organisations = rows

    # -- cohorts --------------------------------------------------------------------------------

    def new_cohort(self, rng, county, level, occupation, start, members, overrides):
        cal = self.cal
        c = Cohort()
        c.index = len(self.cohorts)
        c.id = new_uuid(rng)
        c.county = county
        c.level = level
        c.occupation = occupation
        c.provider = rng.choice(self.providers_of[county])
        c.funding = ["order_based", "order_based", "institution", "institution", "enterprise"][rng.randrange(5)]
        c.mode = MODES[rng.randrange(len(MODES))]
        c.planned_days = rng.choice(PLANNED_DAYS[level])
        length = c.planned_days + c.planned_days // 6
        if start is None:
            # L5: most ended before today; about one in fourteen still running.
            first = datetime.date(datetime.date.fromordinal(cal.today).year - 2, 1, 1).toordinal()
            if rng.random() < 0.07:
                start = cal.today - 1 - rng.randrange(length - 1)
            else:
                start = first + rng.randrange(max(cal.today - length - 2 - first, 1))
        c.start = start
        c.end = start + length - 1
        c.capacity = 40
        c.members = members
        c.overrides = overrides
        c.seed = rng.getrandbits(64)
        year = datetime.date.fromordinal(start).year
        c.code = f"{COUNTIES[county]}-{year}-{level}-{c.index + 1:05d}"
        c.name = f"{COUNTY_NAMES[county]}{year}年第{c.index + 1}期{OCCUPATION_NAMES[occupation]}{LEVEL_NAMES[level]}培训班"
        c.created = cal.office(start - 12 - rng.randrange(20), rng.random())
        self.cohorts.append(c)
        return c

    def simulate(self, c):
        """What became of the cohort's enrolments, the same on every call: (enrolment row,
        assessment or None, certificate facts or None) per member, and the cohort's own
        columns kept from them."""
        cal = self.cal
        rng = random.Random(c.seed)
        u = rng.random
        closed = c.end < cal.today
        length = c.end - c.start + 1
        yesterday = cal.yesterday
        planned = c.planned_days
        out = []
        places = 0
        changes = 0
        last_change = c.created
        for k, t in enumerate(c.members):
            eid = new_uuid(rng)
            enrolled_on = max(c.start - int(u() * 8), (c.created // DAY) + cal.base + 1)
            created = cal.office(enrolled_on, u())
            override = OVERRIDE_REASONS[c.overrides[k] - 1] if c.overrides[k] else None
            reliability = 0.75 + 0.25 * u()
            assessment = None
            if closed:
                if u() < 0.085:
                    status = "dropped"
                    dropped_on = c.start + int(u() * length)
                    attended = min(planned, int((dropped_on - c.start) * planned / length * reliability))
                else:
                    status = "completed"
                    dropped_on = None
                    attended = planned
            else:
                elapsed = cal.today - c.start
                if u() < 0.03:
                    status = "dropped"
                    dropped_on = c.start + int(u() * elapsed)
                    attended = min(planned, int((dropped_on - c.start) * planned / length * reliability))
                else:
                    dropped_on = None
                    attended = min(planned, int(elapsed * planned / length * reliability))
                    status = "in_training" if attended > 0 else "enrolled"
            if status == "completed":
                finished = cal.office(min(c.end + int(u() * 3), yesterday), u())
                version = 2 + attended
                updated = max(finished, created + 60)
                if u() < 0.96 and c.end + 1 < cal.today:
                    assessed_on = c.end + 1 + int(u() * 7)
                    if assessed_on <= yesterday:
                        passed = u() < 0.90
                        if passed:
                            theory, practical = 60 + int(u() * 39), 60 + int(u() * 39)
                        else:
                            theory, practical = 30 + int(u() * 30), 40 + int(u() * 45)
                        at = max(cal.office(min(assessed_on + int(u() * 3), yesterday), u()), updated + 600)
                        agency = self.agencies[int(u() * len(self.agencies))]
                        assessment = (new_uuid(rng), eid, agency[0], assessed_on, theory, practical, passed, at,
                                      agency[1], new_uuid(rng) if passed else None)
            elif status == "dropped":
                version = 2 + attended
                updated = max(cal.office(dropped_on, u()), created + 60)
                changes += 1
            else:
                version = 1 + attended
                updated = cal.office(yesterday, u()) if attended else created
            if status != "dropped":
                places += 1
            changes += 1
            last_change = max(last_change, created if status != "dropped" else updated)
            reason = DROP_REASONS[int(u() * len(DROP_REASONS))] if status == "dropped" else None
            out.append((t, eid, status, enrolled_on, attended, dropped_on, reason, version, created, updated,
                        override, assessment))
        c.places_taken = places
        # Created, each place taken or given back, running from its first day, closed after its end.
        c.version = 1 + changes + 1 + (1 if closed else 0)
        running_from = max(cal.office(c.start, 0.1), c.created + 60)
        c.updated = max(last_change, running_from)
        if closed:
            c.updated = max(c.updated, cal.office(min(c.end + 1 + int(u() * 5), cal.yesterday), u()))
        return out

    def plan_cohorts(self):
        rng = random.Random(f"{self.seed}:cohorts")
        u = rng.random
        occupation_of = weighted(L5_OCCUPATION_WEIGHTS)
        by_county = [[] for _ in COUNTIES]
        for i in range(self.n):
            if u() < 0.6:
                by_county[self.county[i]].append(i)
        l5_per_county = [0] * len(COUNTIES)
        for county, ids in enumerate(by_county):
            rng.shuffle(ids)
            while ids:
                size = min(len(ids), rng.randint(30, 40))
                members, ids = ids[:size], ids[size:]
                self.new_cohort(rng, county, "L5", occupation_of(u()), None, array.array("I", members),
                                array.array("B", bytes(size)))
                l5_per_county[county] += 1
        # The L5 cohorts in time order: the ones that follow draw on their certificates.
        pool4 = {}
        self.run(self.cohorts, pool4, "L5")
        log(f"  {len(self.cohorts)} L5 cohorts")
        level4 = self.plan_level(rng, pool4, l5_per_county, 0.08 / 0.90, "L4", (25, 40), L4_SCHOOLING)
        pool3 = {}
        self.run(level4, pool3, "L4")
        level3 = self.plan_level(rng, pool3, l5_per_county, 0.02 / 0.90, "L3", (15, 30), L3_SCHOOLING)
        self.run(level3, None, "L3")
        log(f"  {len(level4)} L4 and {len(level3)} L3 cohorts")

    def run(self, cohorts, pool, level):
        """Simulates `cohorts` once to learn who completed and passed when."""
        for c in cohorts:
            occupation = c.occupation
            for (t, _, status, enrolled_on, _, _, _, _, _, _, override, assessment) in self.simulate(c):
                if not self.first_enrolled[t] or enrolled_on < self.first_enrolled[t]:
                    self.first_enrolled[t] = enrolled_on
                if status == "completed":
                    self.detail["completed"] += 1
                    if not self.first_completed[t] or c.end < self.first_completed[t]:
                        self.first_completed[t] = c.end
                        self.completed_occupation[t] = occupation
                elif status == "dropped":
                    self.detail["dropped"] += 1
                else:
                    self.detail["in_training"] += 1
                if override:
                    self.detail["level_gate_overridden"] += 1
                if assessment and assessment[6]:
                    self.detail["passed"] += 1
                    if pool is not None:
                        # (issue day, trainee) packed in one int, to sort by day.
                        pool.setdefault((c.county, occupation), []).append(assessment[3] << 26 | t)

    def plan_level(self, rng, pool, per_county, share, level, sizes, schooling):
        """Cohorts of `level` for those certified at the level below: in each county about
        `share` of its L5 cohorts, after the first certificates, of those certified a week
        before the start at least."""
        cal = self.cal
        u = rng.random
        made = []
        for key in pool:
            pool[key].sort()
        used = set()
        for county in range(len(COUNTIES)):
            wanted = per_county[county] * share
            count = int(wanted) + (u() < wanted - int(wanted))
            for _ in range(count):
                occupation = 0 if u() < 0.85 else 1 + int(u() * (len(OCCUPATIONS) - 1))
                entries = pool.get((county, occupation)) or pool.get((county, 0))
                if not entries:
                    continue
                if (county, occupation) not in pool:
                    occupation = 0
                earliest = (entries[0] >> 26) + 14
                if earliest > cal.yesterday:
                    continue
                start = earliest + int(u() * (cal.yesterday - earliest + 1))
                available = bisect.bisect_right(entries, (start - 7) << 26 | ((1 << 26) - 1))
                target = rng.randint(*sizes)
                members = []
                for _ in range(target * 3):
                    if len(members) >= target or available == 0:
                        break
                    t = entries[int(u() * available)] & ((1 << 26) - 1)
                    if t not in used:
                        used.add(t)
                        members.append(t)
                if len(members) < 8:
                    for t in members:
                        used.discard(t)
                    continue
                overrides = array.array("B", bytes(len(members)))
                for k, t in enumerate(members):
                    eligible = self.in_care[t] and EDUCATION[self.education[t]] in schooling
                    if level == "L4" and self.prior[t] >= 48:
                        eligible = True
                    if not eligible:
                        overrides[k] = 1 + int(u() * len(OVERRIDE_REASONS))
                made.append(self.new_cohort(rng, county, level, occupation, start, array.array("I", members),
                                            overrides))
        return made


# ---------------------------------------------------------------------------------------------
# Writing.

TRAINEE_COLUMNS = ["id", "name", "id_number", "sex", "birth_date", "phone", "county_code", "township", "education",
                   "education_in_care", "prior_care_work_months", "version", "created_at", "updated_at"]
ORGANISATION_COLUMNS = ["id", "name", "city", "county_code", "active", "version", "created_at", "updated_at",
                        "kind", "credit_code", "contact_name", "contact_phone"]
COHORT_COLUMNS = ["id", "code", "name", "provider_id", "occupation", "level", "county_code", "funding_type", "mode",
                  "start_date", "end_date", "planned_days", "planned_hours", "capacity", "places_taken", "status",
                  "version", "created_at", "updated_at"]
ENROLMENT_COLUMNS = ["id", "cohort_id", "trainee_id", "status", "enrolled_on", "attended_days", "completed_on",
                     "dropped_on", "drop_reason", "version", "created_at", "updated_at", "override_reason"]
ASSESSMENT_COLUMNS = ["id", "enrolment_id", "agency_id", "assessed_on", "theory_score", "practical_score", "passed",
                      "created_at"]
CERTIFICATE_COLUMNS = ["id", "trainee_id", "number", "kind", "occupation", "level", "issued_on", "agency_id", "source",
                       "assessment_id", "created_at"]
THRESHOLD_COLUMNS = ["id", "county_code", "monthly_fen", "valid_from", "valid_to", "source", "version", "created_at",
                     "updated_at"]
PLACEMENT_COLUMNS = ["id", "trainee_id", "county_code", "kind", "employer_id", "household_name", "household_phone",
                     "occupation", "position", "work_city", "start_date", "monthly_wage_fen", "contract_type",
                     "lifecycle", "evidence", "confirmed_at", "disputed_at", "dispute_reason", "verified_on", "ended_on",
                     "end_reason", "last_follow_up_on", "stopped_on", "follow_up_due_on", "version", "created_at",
                     "updated_at"]
FOLLOW_UP_COLUMNS = ["id", "placement_id", "followed_up_on", "channel", "still_employed", "same_employer",
                     "monthly_income_fen", "note", "recorded_at", "received_at", "recorded_by", "new_placement_id"]

BATCH = 20_000


def write_trainees(p, sink):
    cal = p.cal
    rng = random.Random(f"{p.seed}:register")
    u = rng.random
    category_of = weighted(CATEGORY_WEIGHTS)
    window_start = datetime.date(datetime.date.fromordinal(cal.today).year - 2, 1, 1).toordinal()
    # How many numbers each county, birth day (within 40,000 days) and sex has given out.
    taken = array.array("H", [0]) * (len(COUNTIES) * 40000 * 2)
    rows, categories = [], []
    for i in range(p.n):
        county = p.county[i]
        female = p.female[i]
        birth = p.birth[i]
        # Unique numbers: the n-th person of a county, birth day and sex gets the n-th sequence.
        while True:
            key = (county * 40000 + (birth % 40000)) * 2 + female
            n = taken[key]
            if n < 500:
                taken[key] = n + 1
                break
            birth -= 1
            p.birth[i] = birth
        serial = (n // 5 + birth * 7 + county * 31) % 100
        born = cal_day(birth)
        first17 = f"{COUNTIES[county]}{born.replace('-', '')}{serial:02d}{'02468'[n % 5] if female else '13579'[n % 5]}"
        name = SURNAMES[int(u() * len(SURNAMES))] + GIVEN[int(u() * len(GIVEN))]
        if u() < 0.7:
            name += GIVEN[int(u() * len(GIVEN))]
        phone = f"1{'3578'[int(u() * 4)]}{(i * 7919 + 104729) % 1_000_000_000:09d}" if u() < 0.97 else None
        if p.first_enrolled[i]:
            day = p.first_enrolled[i] - 1 - int(u() * 60)
        else:
            day = window_start + int(u() * (cal.yesterday - window_start + 1))
        at = cal.stamp(cal.office(day, u()))
        tid = p.trainee_id(i)
        rows.append((tid, name, first17 + id_check(first17), "female" if female else "male", born, phone,
                     COUNTIES[county], TOWNSHIPS[int(u() * len(TOWNSHIPS))], EDUCATION[p.education[i]],
                     bool(p.in_care[i]), p.prior[i], 1, at, at))
        first = category_of(u())
        categories.append((tid, CATEGORIES[first]))
        if u() < 0.33:
            second = category_of(u())
            if second != first:
                categories.append((tid, CATEGORIES[second]))
        if len(rows) >= BATCH:
            sink.copy("trainees", TRAINEE_COLUMNS, rows)
            sink.copy("trainee_categories", ["trainee_id", "category"], categories, safe=True)
            rows, categories = [], []
            if (i + 1) % 200_000 == 0:
                log(f"  {i + 1} trainees")
    sink.copy("trainees", TRAINEE_COLUMNS, rows)
    sink.copy("trainee_categories", ["trainee_id", "category"], categories, safe=True)


def cal_day(ordinal):
    return datetime.date.fromordinal(ordinal).isoformat()


def write_cohorts(p, sink):
    cal = p.cal
    rows = []
    for c in p.cohorts:
        rows.append((c.id, c.code, c.name, c.provider, OCCUPATIONS[c.occupation], c.level, COUNTIES[c.county],
                     c.funding, c.mode, cal.day(c.start), cal.day(c.end), c.planned_days, c.planned_days * 8,
                     c.capacity, c.places_taken, "closed" if c.end < cal.today else "running", c.version,
                     cal.stamp(c.created), cal.stamp(c.updated)))
    sink.copy("cohorts", COHORT_COLUMNS, rows)
    serials = {}
    enrolments, assessments, certificates = [], [], []
    day, stamp = cal.day, cal.stamp
    for c in p.cohorts:
        occupation = OCCUPATIONS[c.occupation]
        digit = LEVEL_DIGITS[c.level]
        site = COUNTIES[c.county]
        for (t, eid, status, enrolled_on, attended, dropped_on, reason, version, created, updated, override,
             assessment) in p.simulate(c):
            tid = p.trainee_id(t)
            enrolments.append((eid, c.id, tid, status, day(enrolled_on), attended,
                               day(c.end) if status == "completed" else None,
                               day(dropped_on) if dropped_on else None, reason, version, stamp(created),
                               stamp(updated), override))
            if assessment:
                aid, _, agency, assessed_on, theory, practical, passed, at, agency_code, cid = assessment
                assessments.append((aid, eid, agency, day(assessed_on), theory, practical, passed, stamp(at)))
                if passed:
                    year = day(assessed_on)[2:4]
                    key = (year, digit, site)
                    serial = serials.get(key, 0) + 1
                    serials[key] = serial
                    if serial > 999_999:
                        sys.exit("more than a million certificates of one county, level and year: too many")
                    number = f"Y{agency_code}14{site}{year}{digit}{serial:06d}"
                    certificates.append((cid, tid, number, "skill_level", occupation, c.level, day(assessed_on),
                                         agency, "assessment", aid, stamp(at)))
        if len(enrolments) >= BATCH:
            flush_enrolments(sink, enrolments, assessments, certificates)
            enrolments, assessments, certificates = [], [], []
    flush_enrolments(sink, enrolments, assessments, certificates)


def flush_enrolments(sink, enrolments, assessments, certificates):
    sink.copy("enrolments", ENROLMENT_COLUMNS, enrolments)
    sink.copy("assessments", ASSESSMENT_COLUMNS, assessments, safe=True)
    sink.copy("certificates", CERTIFICATE_COLUMNS, certificates, safe=True)


def write_thresholds(p, sink):
    cal = p.cal
    rng = random.Random(f"{p.seed}:thresholds")
    year = datetime.date.fromordinal(cal.today).year - 3
    valid_from = datetime.date(year, 1, 1).toordinal()
    rows = []
    for county in COUNTIES:
        if county == NO_THRESHOLD_COUNTY:
            continue
        at = cal.stamp(cal.office(valid_from - 20 - rng.randrange(30), rng.random()))
        rows.append((new_uuid(rng), county, rng.randint(900, 1100) * 100, cal.day(valid_from), None,
                     f"吕梁市民政局 {year}年城市低保标准", 1, at, at))
    sink.copy("income_thresholds", THRESHOLD_COLUMNS, rows)


class PlacementPlan:
    __slots__ = ("id", "trainee", "start", "last_day", "employer", "household", "work_city", "contract",
                 "occupation", "wage", "outcome", "ended_on", "end_reason", "stop_day", "created", "answered",
                 "dispute_reason")


def placement_plans(p):
    """The placements, the same on every call: one for about 65 % of those who completed."""
    cal = p.cal
    rng = random.Random(f"{p.seed}:placements")
    u = rng.random
    employers = p.employers
    yesterday = cal.yesterday
    for t in range(p.n):
        completed = p.first_completed[t]
        if not completed or u() >= 0.65:
            continue
        plan = PlacementPlan()
        plan.id = new_uuid(rng)
        plan.trainee = t
        latest = min(completed + 60, yesterday)
        plan.start = completed + int(u() * (latest - completed + 1))
        plan.occupation = p.completed_occupation[t]
        plan.wage = (200 + int(u() * 701)) * 1000 if u() >= 0.08 else (50 + int(u() * 50)) * 1000
        if u() < 0.8:
            # Some employers take many more trainees than others.
            employer = employers[int(len(employers) * u() ** 2)]
            plan.employer = employer[0]
            plan.household = None
            plan.work_city = employer[1]
            plan.contract = EMPLOYER_CONTRACTS[int(u() * len(EMPLOYER_CONTRACTS))]
            answer = u()
            plan.outcome = "disputed" if answer < 0.05 else ("reported" if answer < 0.15 else "confirmed")
        else:
            plan.employer = None
            plan.household = (SURNAMES[int(u() * len(SURNAMES))] + ("女士" if u() < 0.6 else "先生") + "家",
                              f"1{'3589'[int(u() * 4)]}{int(u() * 1_000_000_000):09d}")
            plan.work_city = HOUSEHOLD_CITIES[int(u() * len(HOUSEHOLD_CITIES))]
            plan.contract = HOUSEHOLD_CONTRACTS[int(u() * len(HOUSEHOLD_CONTRACTS))]
            plan.outcome = "household"
        # Reported once working, and after the completion was recorded (within two days of it).
        plan.created = cal.office(min(max(plan.start, completed + 3) + int(u() * 8), yesterday), u())
        plan.answered = min(plan.created + 3600 + int(u() * 10 * DAY), cal.now)
        plan.dispute_reason = DISPUTE_REASONS[int(u() * len(DISPUTE_REASONS))] if plan.outcome == "disputed" else None
        plan.ended_on = None
        plan.end_reason = None
        plan.stop_day = None
        if plan.outcome != "disputed":
            span = yesterday - plan.start
            if u() < 0.10:
                plan.ended_on = plan.start + int(u() * (span + 1))
                plan.end_reason = END_REASONS[int(u() * len(END_REASONS))]
                if u() < 0.3:
                    # The follow-ups before the end already found them gone.
                    plan.stop_day = max(plan.ended_on - int(u() * 45), plan.start)
            elif u() < 0.07:
                plan.stop_day = plan.start + int(u() * (span + 1))
        plan.last_day = min(plan.ended_on or yesterday, yesterday)
        yield plan


def write_placements(p, sink, target, admin):
    cal = p.cal
    # First the plans alone: how many monthly follow-ups they make (as many as are expected
    # below), over how many days.
    monthly = 0.0
    days = placements = 0
    for plan in placement_plans(p):
        placements += 1
        if plan.outcome != "disputed":
            span = plan.last_day - plan.start
            made = span // 30
            if 30 * (made + 1) - 11 <= span:
                made += (12 - (30 * (made + 1) - span)) / 12
            monthly += 0.97 * made
            days += span + 1
    if target >= monthly:
        keep, extra = 1.0, (target - monthly) / days if days else 0.0
    else:
        keep, extra = target / monthly, 0.0
    log(f"  {placements} placements; {monthly:.0f} monthly follow-ups over {days} days of work: keeping "
        f"{keep:.0%} of them and adding {extra * 30:.2f} check-ins a month for about {target}")

    rng = random.Random(f"{p.seed}:follow-ups")
    u = rng.random
    getrandbits = rng.getrandbits
    day, stamp = cal.day, cal.stamp
    base = cal.base
    now = cal.now
    detail = {"placements_open": 0, "employer_confirmed": 0, "employer_disputed": 0, "employer_unanswered": 0,
              "households": 0, "field_verified": 0, "placements_ended": 0, "placements_stopped": 0}
    outcome_key = {"confirmed": "employer_confirmed", "disputed": "employer_disputed",
                   "reported": "employer_unanswered", "household": "households"}
    rows, follow_ups = [], []
    written, next_log = 0, 1_000_000
    for plan in placement_plans(p):
        t = plan.trainee
        start, last_day = plan.start, plan.last_day
        pid = plan.id
        household = plan.household is not None
        evidence = "unverified"
        version = 1
        updated = plan.created
        confirmed_at = disputed_at = None
        if plan.outcome in ("confirmed", "disputed"):
            evidence = "employer_confirmed" if plan.outcome == "confirmed" else "disputed"
            version += 1
            updated = plan.answered
            if plan.outcome == "confirmed":
                confirmed_at = plan.answered
            else:
                disputed_at = plan.answered
        last = stopped = verified = None
        if plan.outcome != "disputed":
            span = last_day - start
            dates = []
            k = 1
            # The one of each 30 days (window k: days 30(k-1)+1 to 30k after the start), made in
            # its last 12 days, when the worklist shows it due; about one month in 33 missed.
            while 30 * k - 11 <= span:
                d = start + 30 * k - int(u() * 12)
                if d <= last_day and u() >= 0.03 and (keep >= 1.0 or u() < keep):
                    dates.append(d)
                k += 1
            if extra:
                x = extra * (span + 1)
                for _ in range(int(x) + (u() < x - int(x))):
                    dates.append(start + int(u() * (span + 1)))
            dates.sort()
            previous = plan.created + 60
            stop_day = plan.stop_day
            elsewhere = u() < 0.3
            for d in dates:
                if stop_day is not None and d >= stop_day:
                    works = False
                    employed = elsewhere
                    income = (plan.wage * (80 + int(u() * 40)) // 100) if employed and u() < 0.5 else None
                else:
                    works = employed = True
                    income = (plan.wage * (90 + int(u() * 21)) // 100) // 100 * 100 if u() < 0.85 else None
                recorded = (d - base) * DAY + int(u() * 43200)
                delay = u()
                if delay < 0.7:
                    received = recorded + int(delay * 900)
                elif delay < 0.95:
                    received = recorded + 3600 + int(u() * 8 * 3600)
                else:
                    received = recorded + DAY + int(u() * 4 * DAY)
                if received <= previous:
                    received = previous + 1
                if received > now:
                    received = now
                previous = received
                note = FOLLOW_UP_NOTES[int(u() * len(FOLLOW_UP_NOTES))] if u() < 0.03 else None
                channel = CHANNELS[int(u() * 10)]
                follow_ups.append((uuid_from(getrandbits(128)), pid, day(d), channel, employed,
                                   works, income, note, stamp(recorded), stamp(received), admin, None))
                # What the placement keeps, as the API updates it with each follow-up: a visit or a
                # call that finds the person at work there verifies unverified work.
                new_last = d if last is None or d > last else last
                new_stopped = None if works else (stopped if stopped is not None else d)
                new_verified, new_evidence = verified, evidence
                if works and channel in ("visit", "phone") and verified is None:
                    new_verified = d
                    if evidence == "unverified":
                        new_evidence = "field_verified"
                if (new_last, new_stopped, new_verified, new_evidence) != (last, stopped, verified, evidence):
                    version += 1
                    updated = max(updated, received)
                last, stopped, verified, evidence = new_last, new_stopped, new_verified, new_evidence
        ended_on = plan.ended_on
        lifecycle = "open"
        if ended_on is not None:
            lifecycle = "ended"
            version += 1
            updated = max(cal.office(min(ended_on + int(u() * 5), cal.yesterday), u()), updated + 60)
        due = None
        if lifecycle == "open" and evidence != "disputed":
            due = (last or start) + 30
        detail["placements_open"] += lifecycle == "open"
        detail[outcome_key[plan.outcome]] += 1
        detail["field_verified"] += evidence == "field_verified"
        detail["placements_ended"] += ended_on is not None
        detail["placements_stopped"] += stopped is not None
        household_name, household_phone = plan.household if household else (None, None)
        rows.append((pid, p.trainee_id(t), COUNTIES[p.county[t]], "household" if household else "employer",
                     plan.employer, household_name, household_phone,
                     OCCUPATIONS[plan.occupation], POSITIONS[plan.occupation], plan.work_city, day(start), plan.wage,
                     plan.contract, lifecycle, evidence, stamp(confirmed_at) if confirmed_at else None,
                     stamp(disputed_at) if disputed_at else None, plan.dispute_reason,
                     day(verified) if verified else None, day(ended_on) if ended_on else None, plan.end_reason,
                     day(last) if last else None, day(stopped) if stopped else None, day(due) if due else None,
                     version, stamp(plan.created), stamp(updated)))
        if len(follow_ups) >= 50_000 or len(rows) >= BATCH:
            written += len(follow_ups)
            sink.copy("placements", PLACEMENT_COLUMNS, rows)
            sink.copy("follow_ups", FOLLOW_UP_COLUMNS, follow_ups, safe=True)
            rows, follow_ups = [], []
            if written >= next_log:
                log(f"  {written} follow-ups")
                next_log += 1_000_000
    sink.copy("placements", PLACEMENT_COLUMNS, rows)
    sink.copy("follow_ups", FOLLOW_UP_COLUMNS, follow_ups, safe=True)
    return detail


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="sqlite://PATH or postgres://…")
    parser.add_argument("--trainees", type=int, default=1_000_000)
    parser.add_argument("--follow-ups", type=int, help="about how many follow-ups in all (default: 10 per trainee)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=datetime.date.fromisoformat, default=None,
                        help="the day the data ends on, YYYY-MM-DD (default: today in China)")
    args = parser.parse_args()
    if args.trainees < 1 or args.trainees >= 1 << 26:
        sys.exit("--trainees must be from 1 to 67 million")
    target = args.follow_ups if args.follow_ups is not None else 10 * args.trainees
    if target < 0:
        sys.exit("--follow-ups must not be negative")
    today = args.today or today_in_china()
    started = time.time()
    sink, admin = open_sink(args.database_url)
    cal = Calendar(today)
    log(f"planning {args.trainees} trainees up to {today} (seed {args.seed})")
    p = Programme(args, cal)
    p.plan_organisations()
    p.plan_cohorts()
    log("writing organisations and trainees")
    sink.copy("organisations", ORGANISATION_COLUMNS, p.organisations)
    write_trainees(p, sink)
    log("writing cohorts, enrolments, assessments and certificates")
    write_cohorts(p, sink)
    write_thresholds(p, sink)
    log("writing placements and follow-ups")
    detail = write_placements(p, sink, target, admin)
    sink.close()
    log("loaded")
    sink.finish()
    summary = {table: sink.counts.get(table, 0) for table in
               ["trainees", "trainee_categories", "organisations", "cohorts", "enrolments", "assessments",
                "certificates", "income_thresholds", "placements", "follow_ups"]}
    summary["of_which"] = {**p.detail, **detail}
    summary["seconds"] = round(time.time() - started, 1)
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
