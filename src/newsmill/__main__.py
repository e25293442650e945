from newsmill.cli import cli

cli()
