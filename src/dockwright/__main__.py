from dockwright._entry import run

raise SystemExit(run())
