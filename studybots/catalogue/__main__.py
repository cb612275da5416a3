"""`python -m studybots.catalogue`: validate every catalogue table."""

import sys

from studybots.catalogue.validate import problems_by_file, validate_catalogue
from studybots.core.settings import load_settings


def main() -> int:
    catalogue_dir = load_settings().catalogue_dir
    problems = validate_catalogue(catalogue_dir)
    if not problems:
        print(f"Luettelo kunnossa: {catalogue_dir} (catalogue OK)")
        return 0
    for file, items in problems_by_file(problems).items():
        print(f"{file}: {len(items)} virhettä")
        for p in items:
            print(f"  {p}")
    print(f"Yhteensä {len(problems)} virhettä. Korjaa taulukot ja aja tarkistus uudelleen.")
    return 1


if __name__ == "__main__":
    sys.exit(main())
