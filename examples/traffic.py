"""Send a mix of requests to the example web app on 127.0.0.1.

    python examples/traffic.py [--port 8000] [--rate 20] [--seconds 0 (forever)]
"""
import argparse
import http.client
import random
import sys
import time

# (path, weight): mostly fine pages, some redirects, some misses, a few errors.
MIX = [("/", 60), ("/slow", 10), ("/old", 10), ("/nope", 15), ("/error", 5)]


def main(argv=None):
    p = argparse.ArgumentParser(description="Send requests to examples/webapp.py.")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--rate", type=float, default=20.0, help="requests per second")
    p.add_argument("--seconds", type=float, default=0.0, help="stop after this long (0: run until Ctrl-C)")
    args = p.parse_args(argv)
    paths, weights = zip(*MIX)
    end = time.monotonic() + args.seconds if args.seconds else None
    sent = 0
    try:
        while end is None or time.monotonic() < end:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=5)
            conn.request("GET", random.choices(paths, weights)[0])
            conn.getresponse().read()
            conn.close()
            sent += 1
            time.sleep(1 / args.rate)
    except KeyboardInterrupt:
        pass
    except OSError as e:
        print(f"traffic: {e} (is examples/webapp.py running on port {args.port}?)", file=sys.stderr)
        return 1
    print(f"traffic: sent {sent} requests", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
