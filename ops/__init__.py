"""What an operator touches: the CLI, settings, migrations, demo data, exports, benchmarks."""
