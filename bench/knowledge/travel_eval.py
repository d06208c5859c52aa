#!/usr/bin/env python3
"""Answer accuracy of samples/travel-zh through the REST webhook of `kefu serve`.

Questions are generated from CrossWOZ's database with the EVALUATION templates below, written apart from (and phrased
differently than) the bot's training examples in samples/travel-zh/data/nlu.yml. Four kinds, each scored against the
database itself:
  attribute  one fact of one place                  the reply names the place and holds the value (numbers as the database has them)
  filter     a type with a rating floor and a price ceiling   every place listed passes both, and the reply lists
                                                   some when the database has some (says none only when it has none)
  nearby     places of a type near a place          every place listed is in the database's nearby list of that place
  follow_up  a fact, then 它/这家 asking another fact  the second reply holds the second value of the same place
Usage: travel_eval.py [--url http://127.0.0.1:5710] [--per-kind 60] [--seed 5] [--show-misses]
Prints one JSON line: accuracy overall and per kind, n, and the misses with --show-misses.
"""
import argparse, json, os, random, re, sys, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
DB = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "datasets", "crosswoz", "database"))

# Evaluation templates (NOT the training ones): other verbs, word orders and politeness than data/nlu.yml.
ATTRIBUTE_TEMPLATES = {
    "电话": ["麻烦告诉我{n}的联系电话", "{n}的电话号码能发我一下吗", "我要打给{n}，号码是什么"],
    "地址": ["{n}具体位置在哪儿", "请问{n}地址是什么", "{n}在北京什么地方"],
    "评分": ["{n}评分高不高", "网上给{n}打了几分", "想知道{n}的评分"],
    "门票": ["去{n}玩门票要多少钱", "{n}的门票价格是多少", "进{n}需要花多少门票钱"],
    "人均消费": ["在{n}吃一顿人均多少", "{n}一个人大概消费多少钱", "{n}人均价位如何"],
    "价格": ["{n}一晚上多少钱", "住{n}房价是多少", "{n}的价格大概多少"],
    "营业时间": ["{n}营业时间是几点到几点", "{n}几点开门营业", "{n}开到几点"],
}
FOLLOW_UP_TEMPLATES = {
    "电话": ["那它的电话是多少？", "这家的联系电话呢"],
    "地址": ["那它在哪儿呢？", "这家的地址呢"],
    "评分": ["那它评分多少？", "这家口碑怎么样，几分"],
    "门票": ["那它门票多少钱？"],
    "人均消费": ["那它人均多少钱？"],
    "价格": ["那它住一晚多少钱？"],
    "营业时间": ["那它几点关门？", "这家营业时间呢"],
}
FILTER_TEMPLATES = {
    "餐馆": ["想找评分不低于{r}分、人均不超过{p}元的餐厅", "有没有评分{r}以上人均{p}块以内的饭馆"],
    "酒店": ["帮我找评分{r}分以上、每晚{p}元以内的宾馆", "推荐评分不低于{r}、价格不超过{p}的酒店"],
    "景点": ["有哪些评分{r}以上、门票{p}元以内的景区", "找几个门票不到{p}块、评分不低于{r}的景点"],
}
NEARBY_TEMPLATES = {
    "餐馆": ["{n}周围有啥吃饭的地方", "在{n}旁边有哪些餐厅"],
    "酒店": ["{n}附近能住的酒店有哪些", "离{n}不远的宾馆推荐一下"],
    "景点": ["{n}边上有什么好玩的景点", "{n}周边有哪些景区可以逛"],
}
PRICE = {"餐馆": "人均消费", "酒店": "价格", "景点": "门票"}
ATTRIBUTES = {"景点": ["电话", "地址", "评分", "门票"], "餐馆": ["电话", "地址", "评分", "人均消费", "营业时间"],
              "酒店": ["电话", "地址", "评分", "价格"]}


def load():
    places = {}
    for file, kind in [("attraction_db.json", "景点"), ("restaurant_db.json", "餐馆"), ("hotel_db.json", "酒店")]:
        for name, record in json.load(open(os.path.join(DB, file), encoding="utf-8")):
            places[(kind, name)] = record
    return places


def number(v):
    return str(int(v)) if isinstance(v, (int, float)) and float(v).is_integer() else str(v)


def holds(reply, name, attribute, value):
    """The reply names the place and holds the value (a rating of 4 must not be met by a 4 in some address)."""
    if name not in reply:
        return False
    if attribute == "门票" and value == 0:
        return "免费" in reply or "0元" in reply
    if attribute == "评分":
        return re.search(r"(?<![\d.])" + re.escape(number(value)) + r"(?![\d.])", reply) is not None
    return number(value) in reply if isinstance(value, (int, float)) else str(value) in reply


def listed(reply):
    """Names in a list reply: '为您找到…的T：名称（评分4.8，人均95元）；名称2（…）。'"""
    if "：" not in reply or "没有找到" in reply:
        return []
    body = reply.split("：", 1)[1].rstrip("。")
    return [re.sub(r"（[^（）]*）$", "", item).strip() for item in body.split("；") if item.strip()]


class Bot:
    def __init__(self, url):
        self.url = url.rstrip("/") + "/webhooks/rest/webhook"
        self.sender = 0

    def conversation(self):
        self.sender += 1
        return f"eval-{os.getpid()}-{self.sender}"

    def say(self, sender, text):
        body = json.dumps({"sender": sender, "message": text}).encode("utf-8")
        request = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return " ".join(m.get("text") or "" for m in json.load(response))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:5710")
    ap.add_argument("--per-kind", type=int, default=60)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--show-misses", action="store_true")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    places = load()
    keys = sorted(places)
    bot = Bot(a.url)
    results = {"attribute": [], "filter": [], "nearby": [], "follow_up": []}
    misses = []

    def record(kind, ok, question, reply, why):
        results[kind].append(ok)
        if not ok:
            misses.append({"kind": kind, "question": question, "reply": reply, "expected": why})

    while len(results["attribute"]) < a.per_kind:
        kind, name = rnd.choice(keys)
        attribute = rnd.choice(ATTRIBUTES[kind])
        value = places[(kind, name)].get(attribute)
        if value in (None, ""):
            continue
        q = rnd.choice(ATTRIBUTE_TEMPLATES[attribute]).format(n=name)
        reply = bot.say(bot.conversation(), q)
        record("attribute", holds(reply, name, attribute, value), q, reply, f"{attribute}={value}")

    while len(results["follow_up"]) < a.per_kind:
        kind, name = rnd.choice(keys)
        first, second = rnd.sample(ATTRIBUTES[kind], 2)
        record_ = places[(kind, name)]
        if record_.get(first) in (None, "") or record_.get(second) in (None, "") or second not in FOLLOW_UP_TEMPLATES:
            continue
        sender = bot.conversation()
        q1 = rnd.choice(ATTRIBUTE_TEMPLATES[first]).format(n=name)
        bot.say(sender, q1)
        q2 = rnd.choice(FOLLOW_UP_TEMPLATES[second])
        reply = bot.say(sender, q2)
        record("follow_up", holds(reply, name, second, record_[second]), f"{q1} / {q2}", reply, f"{name} {second}={record_[second]}")

    while len(results["filter"]) < a.per_kind:
        kind = rnd.choice(list(FILTER_TEMPLATES))
        r = rnd.choice([4, 4.5, 4.6, 4.7])
        p = rnd.choice({"餐馆": [50, 80, 100, 150], "酒店": [300, 400, 500, 800], "景点": [20, 30, 50, 100]}[kind])
        q = rnd.choice(FILTER_TEMPLATES[kind]).format(r=r, p=p)
        reply = bot.say(bot.conversation(), q)
        names = listed(reply)
        good = lambda rec: rec.get("评分") is not None and rec["评分"] >= r and rec.get(PRICE[kind]) is not None and rec[PRICE[kind]] <= p
        exists = any(good(places[k]) for k in keys if k[0] == kind)
        ok = (len(names) > 0) == exists and all((kind, n) in places and good(places[(kind, n)]) for n in names)
        record("filter", ok, q, reply, f"{kind} 评分>={r} {PRICE[kind]}<={p}")

    while len(results["nearby"]) < a.per_kind:
        kind, name = rnd.choice(keys)
        target = rnd.choice(list(NEARBY_TEMPLATES))
        near = set(places[(kind, name)].get("周边" + target) or [])
        if not near:
            continue
        q = rnd.choice(NEARBY_TEMPLATES[target]).format(n=name)
        reply = bot.say(bot.conversation(), q)
        names = listed(reply)
        record("nearby", len(names) > 0 and all(n in near for n in names), q, reply, f"{target} near {name}")

    total = sum(len(v) for v in results.values())
    out = {"bench": "travel_zh_answers", "n": total, "accuracy": round(sum(sum(v) for v in results.values()) / total, 4)}
    for kind, v in results.items():
        out[kind] = round(sum(v) / len(v), 4)
    if a.show_misses:
        out["misses"] = misses
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
