"""``python -m generator`` runs the gongkai command line."""

from generator.cli.commands import main

main()
