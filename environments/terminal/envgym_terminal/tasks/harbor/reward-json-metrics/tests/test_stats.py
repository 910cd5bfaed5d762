import json
import sys

sys.path.insert(0, "/app")
scores = {"mean": 0.0, "median": 0.0}
try:
    import stats
    scores["mean"] = float(stats.mean([1, 2, 3, 4]) == 2.5 and stats.mean([5]) == 5)
    scores["median"] = float(stats.median([3, 1, 2]) == 2 and stats.median([4, 1, 3, 2]) == 2.5)
except Exception as exc:  # a missing or broken module scores 0
    print("error:", exc)
json.dump({"reward": scores["mean"] * scores["median"], **scores}, open("/logs/verifier/reward.json", "w"))
