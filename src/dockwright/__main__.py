from dockwright.cli import entry

raise SystemExit(entry())
