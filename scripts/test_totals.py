"""Prints one line of totals over every test runner's result files (xunit .trx, pytest junit xml)."""
import pathlib
import sys
import xml.etree.ElementTree as ET


def main(folder: str) -> int:
    passed = failed = skipped = 0
    root = pathlib.Path(folder)
    for trx in root.rglob("*.trx"):
        counters = ET.parse(trx).getroot().find(".//{*}ResultSummary/{*}Counters")
        if counters is None:
            continue
        passed += int(counters.get("passed", 0))
        failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
        skipped += int(counters.get("notExecuted", 0))
    for junit in root.rglob("*.xml"):
        doc = ET.parse(junit).getroot()
        suites = [doc] if doc.tag == "testsuite" else doc.findall("testsuite")
        for suite in suites:
            tests = int(suite.get("tests", 0))
            fails = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skips = int(suite.get("skipped", 0))
            passed += tests - fails - skips
            failed += fails
            skipped += skips
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "artifacts/test-results"))
