import time


def main() -> None:
    while True:
        print("working")
        time.sleep(5)


main()
