import gc

# The start-up runs with the cyclic garbage collector off (see veracity.cli._started): here for
# the import of the command line, in main() until the command's modules are imported.
gc.disable()

from veracity.cli import main  # noqa: E402

gc.enable()
main()
