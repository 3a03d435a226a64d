"""`python -m sources.demo --out DIR --scale N --seed S`: write the demo landing folder."""

from sources.demo.generator import main

raise SystemExit(main())
