#!/usr/bin/env python
from recaudo.cli import main

if __name__ == "__main__":
    main()
