import signal
import sys
import time


def stop(signum: int, frame: object) -> None:
    sys.exit(0)


def main() -> None:
    signal.signal(signal.SIGTERM, stop)
    while True:
        print("working")
        time.sleep(5)


main()
