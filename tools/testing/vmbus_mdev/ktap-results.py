#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count every test result of `make check`, and hold it to tests.manifest.

Usage: ktap-results.py KUNIT_TOOL_DIR MANIFEST [--kunit CONSOLE_LOG]
                       [--vm NAME=RESULTS_FILE ...]

Every KTAP document is parsed with the kernel's own kunit_parser
(tools/testing/kunit), and every leaf result is counted once:

- --kunit: a console log of the kernel. Each module load of KUnit prints a
  document of its own ("KTAP version 1", "1..N", its suites), so the
  kernel's lines (those with a printk timestamp) are cut into documents at
  each unindented version line and each is parsed alone; handed the whole
  log, the parser reads the first document's plan and stops. The boot's
  empty document of built-in suites ("1..0") is dropped. Every suite must
  be in the manifest with its number of cases, and run once.
- --vm NAME=FILE: the KTAP document that test VM NAME wrote to its second
  serial port (guest/ktap.sh): subtest "boot", the manifest's tests of
  that VM in order, each with its number of checks, subtest "teardown".

Prints the kernel parser's report, a line per result ("ktap: ok|FAIL|skip
WHERE: NAME"), a line per problem with the manifest or the parse, then
"ktap-counts: PASSED FAILED SKIPPED". Exits 1 when anything failed or
did not match.
"""
import re
import sys

sys.path.insert(0, sys.argv[1])
import kunit_parser  # noqa: E402
from kunit_parser import TestStatus  # noqa: E402

counts = {'passed': 0, 'failed': 0, 'skipped': 0}


def problem(msg):
    """A failure that is not one test's result: counted as a failure."""
    counts['failed'] += 1
    print(f'ktap: FAIL {msg}')


def read_manifest(path):
    """kunit: {suite: cases}; guest: {vm: [(name, checks)]}."""
    kunit, guest = {}, {}
    with open(path) as f:
        for num, line in enumerate(f, 1):
            words = line.split('#', 1)[0].split()
            if not words:
                continue
            if words[0] == 'kunit' and len(words) == 3:
                kunit[words[1]] = int(words[2])
            elif words[0] == 'guest' and len(words) == 5:
                guest.setdefault(words[1], []).append((words[2], int(words[4])))
            else:
                sys.exit(f'{path}:{num}: cannot read "{line.strip()}"')
    return kunit, guest


def leaves(test, where):
    """Count the leaf results under test; a parent that reports not ok
    while every leaf below it passed is a failure of its own."""
    if not test.subtests:
        if test.status == TestStatus.SUCCESS:
            key, word = 'passed', 'ok  '
        elif test.status == TestStatus.SKIPPED:
            key, word = 'skipped', 'skip'
        else:
            key, word = 'failed', 'FAIL'
        counts[key] += 1
        print(f'ktap: {word} {where}: {test.name or "(missing result)"}')
        return key == 'failed'
    bad = False
    for sub in test.subtests:
        bad |= leaves(sub, f'{where}/{sub.name}' if sub.subtests else where)
    if not bad and not test.ok_status():
        problem(f'{where}: reports {test.status.name} though every case below passed')
        bad = True
    return bad


def parse(lines, what):
    """One KTAP document, by the kernel's parser; parse errors count."""
    test = kunit_parser.parse_run_tests(lines)
    if test.counts.errors:
        problem(f'{what}: {test.counts.errors} KTAP parse error(s) (see the report above)')
    return test


def kunit_documents(path):
    """The KTAP documents among the kernel's lines of a console log."""
    stamp = re.compile(r'\[\s*[0-9]+\.[0-9]+\] ')
    docs, cur = [], None
    with open(path, errors='replace') as f:
        for raw in f:
            line = raw.rstrip('\r\n')
            # The nested guest's console is another kernel's.
            if line.startswith('nested'):
                continue
            # A kernel line may follow, on the same line, the first part
            # of a line that user space was writing to the console.
            m = stamp.search(line)
            if not m:
                continue
            text = line[m.end():]
            if re.match(r'(K?TAP) version [0-9]+$', text):
                cur = []
                docs.append(cur)
            if cur is not None:
                cur.append(text + '\n')
    return docs


def check_kunit(path, manifest):
    seen = {}
    for doc in kunit_documents(path):
        plan = next((ln for ln in doc[1:] if ln.strip()), '')
        if plan.strip() == '1..0':
            print('ktap: (the boot\'s empty document of built-in suites, "1..0": dropped)')
            continue
        for suite in parse(doc, 'KUnit').subtests:
            if suite.name in seen:
                problem(f'kunit suite {suite.name}: ran more than once')
                continue
            seen[suite.name] = suite
            leaves(suite, f'kunit/{suite.name}')
    for name, cases in manifest.items():
        if name not in seen:
            problem(f'kunit suite {name}: did not run (tests.manifest wants {cases} cases)')
        elif len(seen[name].subtests) != cases:
            problem(f'kunit suite {name}: {len(seen[name].subtests)} cases, '
                    f'tests.manifest says {cases}')
    for name in seen:
        if name not in manifest:
            problem(f'kunit suite {name}: ran, but is not in tests.manifest')


def check_vm(vm, path, planned):
    try:
        with open(path, errors='replace') as f:
            lines = [ln.rstrip('\r\n') + '\n' for ln in f]
    except OSError as e:
        problem(f'VM {vm}: no results ({e})')
        return
    doc = parse(lines, f'VM {vm}')
    got = [(t.name, t) for t in doc.subtests]
    want = [('boot', None)] + planned + [('teardown', None)]
    for i, (name, checks) in enumerate(want):
        if i >= len(got) or got[i][0] != name:
            problem(f'VM {vm}: test {name} did not run (or not in its place, '
                    f'{i + 1} of {len(want)}; tests.manifest)')
            continue
        test = got[i][1]
        if checks is not None and len(test.subtests) != checks:
            problem(f'VM {vm}: test {name} reported {len(test.subtests)} checks, '
                    f'tests.manifest says {checks}')
    names = [n for n, _ in want]
    for name, _ in got:
        if name not in names:
            problem(f'VM {vm}: test {name} ran, but is not in tests.manifest')
    for name, test in got:
        leaves(test, f'{vm}/{name}')


def main():
    kunit, guest = read_manifest(sys.argv[2])
    args = sys.argv[3:]
    vms = {}
    while args:
        if args[0] == '--kunit' and len(args) > 1:
            check_kunit(args[1], kunit)
        elif args[0] == '--vm' and len(args) > 1 and '=' in args[1]:
            vm, path = args[1].split('=', 1)
            vms[vm] = path
            check_vm(vm, path, guest.get(vm, []))
        else:
            sys.exit(f'usage: {sys.argv[0]} KUNIT_TOOL_DIR MANIFEST '
                     '[--kunit LOG] [--vm NAME=FILE ...]')
        args = args[2:]
    for vm in guest:
        if vm not in vms:
            problem(f'VM {vm}: tests.manifest names it, but it gave no results')
    if counts['passed'] == 0:
        problem('no test passed at all')
    print(f"ktap-counts: {counts['passed']} {counts['failed']} {counts['skipped']}")
    return 1 if counts['failed'] else 0


sys.exit(main())
