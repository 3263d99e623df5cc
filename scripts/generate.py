#!/usr/bin/env python3
"""Fills a running tracker with a realistic register of trainees, through its HTTP API (the same
code paths as the mobile app): spread over the 13 counties of Lüliang, with valid identity
numbers, mobile numbers, categories and education.

    scripts/generate.py --base http://127.0.0.1:8080 --admin-password '…' --trainees 1000

Every registration carries a client-made id, so an interrupted run can simply be started again
with the same --seed: what is stored already answers 200 and is not duplicated. Standard library
only. Prints the ids it registered to --ids-out (one JSON object a line) when asked.
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
        for attempt in range(5):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            headers = {"content-type": "application/json"}
            if token:
                headers["authorization"] = f"Bearer {token}"
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8080")
    parser.add_argument("--admin-username", default="admin")
    parser.add_argument("--admin-password", required=True)
    parser.add_argument("--trainees", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--ids-out", help="write {id, id_number, name} of each trainee here")
    args = parser.parse_args()

    client = Client(args.base)
    status, tokens = client.request("POST", "/api/v1/auth/login",
                                    {"username": args.admin_username, "password": args.admin_password})
    if status != 200:
        sys.exit(f"sign-in failed: {status} {tokens}")
    token = {"value": tokens["access_token"], "refresh": tokens["refresh_token"], "at": time.time()}
    token_lock = threading.Lock()

    def current_token():
        # Access tokens live 15 minutes: renew after 10.
        with token_lock:
            if time.time() - token["at"] > 600:
                status, fresh = client.request("POST", "/api/v1/auth/refresh", {"refresh_token": token["refresh"]})
                if status == 200:
                    token.update(value=fresh["access_token"], refresh=fresh["refresh_token"], at=time.time())
            return token["value"]

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
        people.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "name": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice([1, 2]))),
            "id_number": number,
            "phone": f"1{rng.choice('3578')}{n:09d}",
            "county_code": county,
            "township": rng.choice(TOWNSHIPS),
            "categories": sorted(set(rng.sample(CATEGORIES, rng.choice([1, 1, 2])))),
            "education": rng.choice(EDUCATION),
            "prior_care_work_months": rng.choice([0, 0, 0, 6, 12, 30]),
        })

    counts = {}
    counts_lock = threading.Lock()
    started = time.time()

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

    if args.ids_out:
        with open(args.ids_out, "w", encoding="utf-8") as out:
            for person in people:
                out.write(json.dumps({k: person[k] for k in ("id", "id_number", "name")}, ensure_ascii=False) + "\n")
    if any(status not in (200, 201) for status in counts):
        sys.exit(1)


if __name__ == "__main__":
    main()
