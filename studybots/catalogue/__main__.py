"""`python -m studybots.catalogue`: validate every catalogue table."""

import sys

from studybots.catalogue.validate import problems_by_file, read_all, validate_catalogue
from studybots.core.settings import load_settings


def main() -> int:
    catalogue_dir = load_settings().catalogue_dir
    problems = validate_catalogue(catalogue_dir)
    # A table an older Excel saved in Windows-1252 is read, but other programs
    # may show its ä and ö wrong: the editor hears which one to save again.
    raw, _ = read_all(catalogue_dir)
    for table in raw.values():
        if not table.format.is_utf8:
            print(
                f"{table.path.relative_to(catalogue_dir)}: luettu merkistöllä "
                f"{table.format.encoding_name}; "
                "tallenna se muodossa CSV UTF-8, jotta ä ja ö säilyvät kaikissa ohjelmissa"
            )
    if not problems:
        print(f"Luettelo kunnossa: {catalogue_dir} (catalogue OK)")
        return 0
    for file, items in problems_by_file(problems).items():
        print(f"{file}: {len(items)} {'virhe' if len(items) == 1 else 'virhettä'}")
        for p in items:
            print(f"  {p}")
    print(f"Yhteensä {len(problems)} virhettä. Korjaa taulukot ja aja tarkistus uudelleen.")
    return 1


if __name__ == "__main__":
    sys.exit(main())
