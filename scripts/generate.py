#!/usr/bin/env python3
"""Fills a running tracker with a realistic programme, through its HTTP API (the same code paths
as the mobile app): training providers, evaluation agencies and employers with valid credit codes;
trainees spread over the 13 counties of Lüliang, with valid identity numbers, mobile numbers,
categories and education; and cohorts of 30 to 60 of them (--enrol-share of the trainees), each
with its daily register, completions and a few drop-outs. Cohorts that began more than 40 days ago
are finished and closed; the latest ones are still running. Then the work that follows: an income
threshold for each county, an account for each employer, and placements of --placement-share of
those who completed (most with an employer, who confirms or now and then disputes them, some with
a household), each followed up about monthly until today, with a few ended.

    scripts/generate.py --base http://127.0.0.1:8080 --admin-password '…' --trainees 1000

Every create carries a client-made id and every other write is idempotent, so an interrupted run
can simply be started again with the same --seed: what is stored already answers 200 and is not
duplicated. Standard library only. Prints the ids it registered to --ids-out (one JSON object a
line) and those of the open placements to --placements-out (one a line) when asked. The last line
it prints counts everything.
"""

import argparse
import datetime
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor

COUNTIES = ["141102", "141121", "141122", "141123", "141124", "141125", "141126",
            "141127", "141128", "141129", "141130", "141181", "141182"]
TOWNSHIPS = ["城关镇", "穆村镇", "薛村镇", "庄上镇", "留誉镇", "孟门镇", "金家庄乡", "成家庄镇"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "秀英桂兰玉梅淑珍凤兰丽娟春花美玲海燕红霞建华建国志强晓东丽华桂芳翠兰金凤爱萍秀珍"
CATEGORIES = ["rural_transfer", "unemployed", "poverty_alleviated", "poverty_monitoring",
              "college_graduate", "vocational_graduate", "flexible_worker", "gig_market",
              "disabled", "veteran", "enterprise_employee"]
EDUCATION = ["primary", "junior_secondary", "junior_secondary", "senior_secondary",
             "secondary_vocational", "college"]
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
PROVIDERS = ["吕梁市护理职业培训学校", "柳林县职业技术学校", "孝义市家政培训中心", "汾阳市康养技能培训学校",
             "离石区技工学校", "临县职业培训中心", "吕梁山护工培训基地", "兴县技能培训学校"]
AGENCIES = ["吕梁市职业技能鉴定中心", "山西省康养职业技能评价中心", "吕梁学院技能评价站"]
EMPLOYERS = [("北京市", "北京康养护理院"), ("北京市", "北京月嫂家政服务公司"), ("太原市", "太原市颐养中心"),
             ("太原市", "山西医科大学附属医院"), ("吕梁市", "吕梁市社会福利院"), ("天津市", "天津养老服务公司"),
             ("青岛市", "青岛母婴护理中心"), ("吕梁市", "离石区居家养老服务站")]
OCCUPATIONS = ["elderly_care"] * 5 + ["infant_care", "maternity_care", "domestic_service", "medical_care"]
DROP_REASONS = ["外出务工", "家中有事", "身体原因", "出勤不足"]
POSITIONS = {"elderly_care": "养老护理员", "medical_care": "医疗护理员", "infant_care": "育婴员",
             "maternity_care": "母婴护理员", "domestic_service": "家政服务员", "long_term_care": "长期照护员"}
HOUSEHOLD_CITIES = ["北京市", "北京市", "太原市", "天津市", "吕梁市", "西安市"]
EMPLOYER_CONTRACTS = ["labour_contract"] * 5 + ["labour_service"] * 2 + ["dispatch"] * 2 + ["unwritten"]
HOUSEHOLD_CONTRACTS = ["household_service"] * 7 + ["unwritten"] * 3
CHANNELS = ["phone"] * 6 + ["visit"] * 3 + ["app"]
DISPUTE_REASONS = ["查无此人", "未在本单位工作", "入职日期不符"]
END_REASONS = ["合同期满", "家中有事", "换了工作", "雇主不再需要"]


def credit_code(rng, region):
    """A valid GB 32100 unified social credit code in `region` (six digits)."""
    body = "91" + region + "".join(rng.choice(CREDIT_ALPHABET) for _ in range(9))
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS))
    return body + CREDIT_ALPHABET[(31 - total % 31) % 31]


def rng_id(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def today_in_china():
    """The server's today (UTC+8): placements and follow-ups may not be dated after it."""
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).date()


def id_number(rng, county, birth, serial, female):
    """A valid GB 11643-1999 number; `serial` (0-99) and the sex digit keep numbers apart."""
    sex_digit = rng.choice("02468" if female else "13579")
    first17 = f"{county}{birth:%Y%m%d}{serial:02d}{sex_digit}"
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS))
    return first17 + "10X98765432"[total % 11]


class Client:
    """One keep-alive connection per thread."""

    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname, url.port or 80
        self.local = threading.local()

    def request(self, method, path, body=None, token=None):
        return self.request_with(method, path, body, token, {})

    def request_with(self, method, path, body, token, extra_headers):
        for attempt in range(5):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            headers = {"content-type": "application/json"}
            if token:
                headers["authorization"] = f"Bearer {token}"
            headers.update(extra_headers)
            try:
                conn.request(method, path, json.dumps(body) if body is not None else None, headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                self.local.conn = None
                time.sleep(0.2 * (attempt + 1))
                continue
            if response.status in (429, 503):
                time.sleep(float(response.getheader("retry-after") or 1))
                continue
            return response.status, (json.loads(data) if data else None)
        raise RuntimeError(f"{method} {path}: no answer after 5 attempts")


def signed_in(client, username, password):
    """Signs in; answers a function giving a valid access token (they live 15 minutes: renewed
    after 10)."""
    status, tokens = client.request("POST", "/api/v1/auth/login", {"username": username, "password": password})
    if status != 200:
        raise RuntimeError(f"sign-in of {username} failed: {status} {tokens}")
    token = {"value": tokens["access_token"], "refresh": tokens["refresh_token"], "at": time.time()}
    token_lock = threading.Lock()

    def current_token():
        with token_lock:
            if time.time() - token["at"] > 600:
                status, fresh = client.request("POST", "/api/v1/auth/refresh", {"refresh_token": token["refresh"]})
                if status == 200:
                    token.update(value=fresh["access_token"], refresh=fresh["refresh_token"], at=time.time())
            return token["value"]

    return current_token


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8080")
    parser.add_argument("--admin-username", default="admin")
    parser.add_argument("--admin-password", required=True)
    parser.add_argument("--trainees", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--ids-out", help="write {id, id_number, name} of each trainee here")
    parser.add_argument("--enrol-share", type=float, default=0.6,
                        help="share of the trainees put into cohorts (0 for the register only)")
    parser.add_argument("--placement-share", type=float, default=0.7,
                        help="share of those who completed a cohort who are placed in work (0 for none)")
    parser.add_argument("--follow-ups-per-month", type=float, default=1,
                        help="follow-ups of each placement a month (0 for none)")
    parser.add_argument("--placements-out", help="write the ids of the open placements here, one a line")
    args = parser.parse_args()

    client = Client(args.base)
    try:
        current_token = signed_in(client, args.admin_username, args.admin_password)
    except RuntimeError as error:
        sys.exit(str(error))

    rng = random.Random(args.seed)
    today = datetime.date.today()
    people = []
    taken = set()
    for n in range(args.trainees):
        county = COUNTIES[n % len(COUNTIES)]
        female = rng.random() < 0.85
        while True:
            birth = today - datetime.timedelta(days=rng.randint(20 * 365, 55 * 365))
            number = id_number(rng, county, birth, rng.randint(0, 99), female)
            if number not in taken:
                taken.add(number)
                break
        education = rng.choice(EDUCATION)
        people.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "name": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice([1, 2]))),
            "id_number": number,
            "phone": f"1{rng.choice('3578')}{n:09d}",
            "county_code": county,
            "township": rng.choice(TOWNSHIPS),
            "categories": sorted(set(rng.sample(CATEGORIES, rng.choice([1, 1, 2])))),
            "education": education,
            "education_in_care": education in ("secondary_vocational", "college") and rng.random() < 0.5,
            "prior_care_work_months": rng.choice([0, 0, 0, 6, 12, 30, 48, 60]),
        })

    counts = {}
    counts_lock = threading.Lock()
    begun = started = time.time()

    def register(person):
        status, body = client.request("POST", "/api/v1/trainees", person, current_token())
        with counts_lock:
            counts[status] = counts.get(status, 0) + 1
            failed = sum(n for s, n in counts.items() if s not in (200, 201))
        if status not in (200, 201) and failed <= 5:
            print(f"{status}: {body}", file=sys.stderr)

    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        list(pool.map(register, people))
    elapsed = time.time() - started
    print(f"registered {len(people)} trainees in {elapsed:.1f}s ({len(people) / elapsed:.0f}/s): {counts}")

    summary = {"trainees": len(people)}
    open_placements = []
    if args.enrol_share > 0:
        trained, employers, completions = train(client, current_token, rng, people, args)
        summary.update(trained)
        if args.placement_share > 0:
            placed, open_placements = place(client, current_token, rng, employers, completions, args)
            summary.update(placed)

    if args.placements_out:
        with open(args.placements_out, "w", encoding="utf-8") as out:
            out.writelines(f"{placement}\n" for placement in open_placements)
    if args.ids_out:
        with open(args.ids_out, "w", encoding="utf-8") as out:
            for person in people:
                out.write(json.dumps({k: person[k] for k in ("id", "id_number", "name")}, ensure_ascii=False) + "\n")
    # The last line, which the benchmarks quote: everything there is.
    print(f"generated in {time.time() - begun:.1f}s: {summary}")
    if any(status not in (200, 201) for status in counts):
        sys.exit(1)


def must(status, body, *expected):
    if status not in expected:
        raise RuntimeError(f"{status}: {body}")
    return body


def train(client, current_token, rng, people, args):
    """Organisations, then cohorts of 30-60 trainees of one county with their registers."""
    def post(path, body):
        return must(*client.request("POST", path, body, current_token()), 200, 201)

    providers = [post("/api/v1/providers", {"id": rng_id(rng), "name": name, "credit_code": credit_code(rng, "141100"),
                                             "county_code": COUNTIES[i % len(COUNTIES)], "contact_name": "李老师"})["id"]
                 for i, name in enumerate(PROVIDERS)]
    agencies = [post("/api/v1/agencies", {"id": rng_id(rng), "name": name, "credit_code": credit_code(rng, "141100"),
                                          "city": "吕梁市"})["id"]
                for name in AGENCIES]
    employers = [(post("/api/v1/employers", {"id": rng_id(rng), "name": name, "credit_code": credit_code(rng, "110105"),
                                             "city": city})["id"], name, city)
                 for city, name in EMPLOYERS]

    today = datetime.date.today()
    year_start = datetime.date(today.year, 1, 1)
    by_county = {}
    for person in people[: int(len(people) * args.enrol_share)]:
        by_county.setdefault(person["county_code"], []).append(person["id"])
    plans = []
    for county, ids in sorted(by_county.items()):
        rng.shuffle(ids)
        while len(ids) >= 30:
            size = min(len(ids), rng.randint(30, 60))
            members, ids = ids[:size], ids[size:]
            plans.append((county, members))
    for n, (county, members) in enumerate(plans):
        # Spread over the year so far; the last tenth started ten days ago and is running.
        if n >= len(plans) * 0.9:
            start = today - datetime.timedelta(days=10)
        else:
            span = max((today - year_start).days - 45, 1)
            start = year_start + datetime.timedelta(days=rng.randint(0, span))
        plans[n] = {
            "id": rng_id(rng), "county": county, "members": members, "start": start,
            "occupation": rng.choice(OCCUPATIONS), "provider": rng.choice(providers),
            "funding": rng.choice(["order_based", "order_based", "institution", "enterprise"]),
            "seed": rng.getrandbits(64), "code": f"{county}-{start.year}-{n + 1:04d}", "index": n,
        }

    counts = {"cohorts": 0, "enrolments": 0, "completed": 0, "dropped": 0, "certified": 0}
    completions = []
    lock = threading.Lock()

    def run(plan):
        local = random.Random(plan["seed"])
        planned_days = 26
        end = plan["start"] + datetime.timedelta(days=29)
        cohort = post("/api/v1/cohorts", {
            "id": plan["id"], "code": plan["code"], "name": f"第{plan['code'][-4:]}期护理培训班",
            "provider_id": plan["provider"], "occupation": plan["occupation"], "level": "L5",
            "county_code": plan["county"], "funding_type": plan["funding"], "mode": "in_person",
            "start_date": plan["start"].isoformat(), "end_date": end.isoformat(),
            "planned_days": planned_days, "planned_hours": planned_days * 8,
            "capacity": max(len(plan["members"]), 40), "status": "running",
        })
        enrolments = []
        for trainee in plan["members"]:
            body = post(f"/api/v1/cohorts/{cohort['id']}/enrolments",
                        {"id": rng_id(local), "trainee_id": trainee, "enrolled_on": plan["start"].isoformat()})
            enrolments.append((body["id"], local.choice([0.99, 0.99, 0.98, 0.97, 0.95, 0.93, 0.9, 0.75])))
        days = [plan["start"] + datetime.timedelta(days=d) for d in range(planned_days)]
        for day in days:
            if day > today:
                break
            present = [e for e, reliability in enrolments if local.random() < reliability]
            must(*client.request("PUT", f"/api/v1/cohorts/{cohort['id']}/attendance/{day.isoformat()}",
                                 {"present": present}, current_token()), 200)
        done = {"completed": 0, "dropped": 0, "certified": 0}
        completed = []
        if end < today:
            for i, ((enrolment, _), trainee) in enumerate(zip(enrolments, plan["members"])):
                status, body = client.request("POST", f"/api/v1/enrolments/{enrolment}/complete",
                                              {"completed_on": end.isoformat()}, current_token())
                if status == 422:
                    must(*client.request("POST", f"/api/v1/enrolments/{enrolment}/drop",
                                         {"dropped_on": end.isoformat(), "reason": local.choice(DROP_REASONS)},
                                         current_token()), 200)
                    done["dropped"] += 1
                else:
                    must(status, body, 200)
                    done["completed"] += 1
                    completed.append((plan["index"], i, trainee, end, plan["occupation"]))
                    # Assessed three days after the end, certified a week later; 92 % pass.
                    assessed, issued = end + datetime.timedelta(days=3), end + datetime.timedelta(days=10)
                    passed = local.random() < 0.92
                    assessment = {
                        "id": rng_id(local), "agency_id": local.choice(agencies),
                        "assessed_on": assessed.isoformat(), "passed": passed,
                        "theory_score": local.randint(60, 98) if passed else local.randint(30, 59),
                        "practical_score": local.randint(60, 98) if passed else local.randint(30, 59),
                    }
                    if passed and issued <= today:
                        number = f"Y14011401{plan['index']:04d}{issued.year % 100:02d}5{i:06d}"
                        assessment["certificate"] = {"number": number, "kind": "skill_level",
                                                     "issued_on": issued.isoformat()}
                        done["certified"] += 1
                    post(f"/api/v1/enrolments/{enrolment}/assessments", assessment)
            status, current = client.request("GET", f"/api/v1/cohorts/{cohort['id']}", None, current_token())
            if current["status"] != "closed":
                must(*client.request_with("PATCH", f"/api/v1/cohorts/{cohort['id']}", {"status": "closed"},
                                          current_token(), {"if-match": f'"{current["version"]}"'}), 200)
        with lock:
            counts["cohorts"] += 1
            counts["enrolments"] += len(enrolments)
            counts["completed"] += done["completed"]
            counts["dropped"] += done["dropped"]
            counts["certified"] += done["certified"]
            completions.extend(completed)

    started = time.time()
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        list(pool.map(run, plans))
    print(f"trained in {time.time() - started:.1f}s: {counts}")
    # In plan order, whatever order the threads finished in: the placements drawn from them
    # are the same on a rerun.
    completions.sort()
    return counts, employers, [(trainee, end, occupation) for _, _, trainee, end, occupation in completions]



def place(client, current_token, rng, employers, completions, args):
    """Income thresholds, employer accounts, then placements of those who completed a cohort:
    85 % with a registered employer, who confirms most (80 %) and disputes a few (5 %), the rest
    with a household, which the first follow-up verifies; each followed up about every 30 days
    until yesterday, a month now and then missed; 5 % of the employers' ended by the admin."""
    def post(path, body):
        return must(*client.request("POST", path, body, current_token()), 200, 201)

    today = today_in_china()
    counts = {"thresholds": 0, "employer_users": 0, "placements": 0, "households": 0, "confirmed": 0,
              "disputed": 0, "verified": 0, "ended": 0, "follow_ups": 0}
    for county in COUNTIES:
        status, body = client.request("POST", "/api/v1/income-thresholds", {
            "id": rng_id(rng), "county_code": county, "monthly_fen": rng.randint(70000, 90000),
            "valid_from": "2025-07-01", "source": "吕梁市民政局 2025",
        }, current_token())
        # 409: a run with another --seed has set this county's threshold for the period.
        must(status, body, 200, 201, 409)
        counts["thresholds"] += 1

    employer_tokens = {}
    for i, (employer, name, _) in enumerate(employers, 1):
        username = f"employer{i}"
        status, body = client.request("POST", "/api/v1/users", {
            "id": rng_id(rng), "username": username, "display_name": name, "role": "employer",
            "employer_id": employer, "password": args.admin_password,
        }, current_token())
        must(status, body, 200, 201, 409)
        counts["employer_users"] += 1
        token = signed_in(client, username, args.admin_password)
        me = must(*client.request("GET", "/api/v1/me", None, token()), 200)
        if me.get("employer_id") != employer:
            # Made by a run with another --seed, for that run's employer of the same name.
            print(f"{username} is another employer's user: {name}'s placements stay reported", file=sys.stderr)
            continue
        employer_tokens[employer] = token

    plans = [{"id": rng_id(rng), "trainee": trainee, "completed_on": completed_on, "occupation": occupation,
              "seed": rng.getrandbits(64), "index": n}
             for n, (trainee, completed_on, occupation) in enumerate(completions)
             if rng.random() < args.placement_share]
    open_placements = []
    lock = threading.Lock()

    def run(plan):
        local = random.Random(plan["seed"])
        start = min(plan["completed_on"] + datetime.timedelta(days=local.randint(0, 20)), today)
        wage = local.randint(3000, 9000) * 100
        placement = {
            "id": plan["id"], "trainee_id": plan["trainee"], "occupation": plan["occupation"],
            "position": POSITIONS[plan["occupation"]], "start_date": start.isoformat(), "monthly_wage_fen": wage,
        }
        if employers and local.random() < 0.85:
            employer, _, city = local.choice(employers)
            placement.update(employer_id=employer, work_city=city, contract_type=local.choice(EMPLOYER_CONTRACTS))
        else:
            placement.update(household={"name": local.choice(SURNAMES) + local.choice(["女士", "先生"]) + "家",
                                        "phone": f"1{local.choice('3578')}{local.randint(0, 999_999_999):09d}"},
                             work_city=local.choice(HOUSEHOLD_CITIES), contract_type=local.choice(HOUSEHOLD_CONTRACTS))
        post("/api/v1/placements", placement)
        path = f"/api/v1/placements/{plan['id']}"

        outcome, ended_on = "reported", None
        if "employer_id" in placement:
            answer, key = local.random(), rng_id(local)
            token = employer_tokens.get(placement["employer_id"])
            if token and answer < 0.85:
                # The employer's word, under an Idempotency-Key: a rerun's answers 200 again.
                outcome = "confirmed" if answer < 0.80 else "disputed"
                action = "confirm" if outcome == "confirmed" else "dispute"
                body = None if outcome == "confirmed" else {"reason": local.choice(DISPUTE_REASONS)}
                must(*client.request_with("POST", f"{path}/{action}", body, token(), {"idempotency-key": key}), 200)
            if outcome != "disputed" and local.random() < 0.05 / 0.95:
                ended_on = start + datetime.timedelta(days=local.randint(0, (today - start).days))

        # Follow-ups every 30 days or so of the placement (none of a disputed one), up to its end,
        # and before today: a time of that day is then in the past.
        follow_ups, verified = 0, False
        last_day = min(ended_on or today, today - datetime.timedelta(days=1))
        if outcome != "disputed" and args.follow_ups_per_month > 0:
            interval = 30 / args.follow_ups_per_month
            jitter = min(3, int(interval / 4))
            for k in range(1, 10_000):
                day = start + datetime.timedelta(days=round(k * interval) + local.randint(-jitter, jitter))
                if day > last_day:
                    break
                if local.random() < 0.1:
                    continue
                employed = local.random() < 0.97
                follow_up = {
                    "id": rng_id(local), "followed_up_on": day.isoformat(), "channel": local.choice(CHANNELS),
                    "still_employed": employed, "same_employer": employed,
                    "recorded_at": f"{day.isoformat()}T{local.randint(8, 19):02d}:{local.randint(0, 59):02d}:"
                                   f"{local.randint(0, 59):02d}+08:00",
                }
                if employed:
                    follow_up["monthly_income_fen"] = round(wage * local.uniform(0.9, 1.1))
                post(f"{path}/follow-ups", follow_up)
                follow_ups += 1
                verified = verified or ("household" in placement and employed)
                if not employed:
                    break
        if ended_on:
            # After the follow-ups: none of them may come after the end.
            must(*client.request_with("POST", f"{path}/end",
                                      {"ended_on": ended_on.isoformat(), "reason": local.choice(END_REASONS)},
                                      current_token(), {"idempotency-key": rng_id(local)}), 200)
        with lock:
            counts["placements"] += 1
            counts["households"] += "household" in placement
            counts[outcome] = counts.get(outcome, 0) + 1
            counts["verified"] += verified
            counts["ended"] += ended_on is not None
            counts["follow_ups"] += follow_ups
            if outcome != "disputed" and ended_on is None:
                open_placements.append((plan["index"], plan["id"]))

    started = time.time()
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        list(pool.map(run, plans))
    counts.pop("reported", None)
    print(f"placed in {time.time() - started:.1f}s: {counts}")
    return counts, [placement for _, placement in sorted(open_placements)]


if __name__ == "__main__":
    main()
