"""Start the chatrec web chat on the configured catalog and model (see README)."""

from chatrec.ui import main

if __name__ == "__main__":
    main()
