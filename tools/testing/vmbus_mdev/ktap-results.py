#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count every test result of `make check`, and hold it to tests.manifest.

Usage: ktap-results.py KUNIT_TOOL_DIR TOP [--vm NAME=RESULTS_FILE ...]

TOP is the source tree: its tools/testing/vmbus_mdev/tests.manifest says
what must run; every guest/test-*.sh must be in it, and every module of
kunit/Kbuild must be loaded by guest/test-kunit.sh. Each --vm is the KTAP document that test VM NAME wrote to its
second serial port (guest/ktap.sh): subtest "boot", the manifest's tests
of that VM in order, subtest "teardown", each with the number of results
the manifest gives. KUnit suites are in it too: guest/test-kunit.sh
nests each suite's KTAP from KUnit's debugfs as a result "suite NAME";
each must be in the manifest with its number of cases, and run once.

Every document is parsed with the kernel's own kunit_parser
(tools/testing/kunit), and every leaf result is counted once. A skip is a
failure (nothing here is optional), and so is any other directive (TODO,
XFAIL, ...), a parse error, a parser exception, a test that runs twice,
and any result line past the end of the document's plan.

Prints the kernel parser's report, a line per result ("ktap: ok|FAIL
WHERE: NAME"), a line per problem, then "ktap-counts: PASSED FAILED
SKIPPED". Exits 1 when anything failed or did not match.
"""
import os
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
    """kunit: {suite: cases}; guest: {vm: [(name, script, checks)]}."""
    kunit, guest = {}, {}
    with open(path) as f:
        for num, line in enumerate(f, 1):
            words = line.split('#', 1)[0].split()
            if not words:
                continue
            if words[0] == 'kunit' and len(words) == 3:
                kunit[words[1]] = int(words[2])
            elif words[0] == 'guest' and len(words) == 5:
                guest.setdefault(words[1], []).append((words[2], words[3], int(words[4])))
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
            # Counted as skipped, and a failure of its own below.
            key, word = 'skipped', 'skip'
        else:
            key, word = 'failed', 'FAIL'
        counts[key] += 1
        print(f'ktap: {word} {where}: {test.name or "(missing result)"}')
        if key == 'skipped':
            problem(f'{where}: {test.name}: skipped; nothing in this run is optional')
        return key != 'passed'
    bad = False
    for sub in test.subtests:
        bad |= leaves(sub, f'{where}/{sub.name}' if sub.subtests else where)
    if not bad and not test.ok_status():
        problem(f'{where}: reports {test.status.name} though every case below passed')
        bad = True
    return bad


RESULT = re.compile(r'^\s*(ok|not ok) [0-9]+ ')
# Directives kunit_parser does not know (it takes only " # SKIP" as one):
# each would pass as "ok".
DIRECTIVE = re.compile(r'^\s*(ok|not ok) [0-9]+ [^#]*#\s*(skip|todo|xfail|xpass|timeout|error)\b', re.I)


def nodes(test):
    """The results parsed under test (each took one result line)."""
    return sum(1 + nodes(sub) for sub in test.subtests)


def parse(lines, what):
    """One KTAP document, by the kernel's parser; parse errors count, and
    so do result lines the parser left unread (past the document's plan,
    where kunit_parser stops)."""
    try:
        test = kunit_parser.parse_run_tests(lines)
    except Exception as e:  # noqa: BLE001 (any parser failure is ours)
        problem(f'{what}: the KTAP parser failed: {e!r}')
        return None
    if test.counts.errors:
        problem(f'{what}: {test.counts.errors} KTAP parse error(s) (see the report above)')
    given = sum(1 for ln in lines if RESULT.match(ln))
    if given > nodes(test):
        problem(f'{what}: {given - nodes(test)} result line(s) past the end of its plan')
    for ln in lines:
        m = DIRECTIVE.match(ln)
        if m and not re.search(r' # SKIP', ln):
            problem(f'{what}: a result with directive "{m.group(2)}", which would pass: {ln.strip()}')
    return test


def suites_in(test):
    """KUnit suites nested as results "suite NAME" (guest/test-kunit.sh)."""
    found = []
    for sub in test.subtests:
        if not sub.name.startswith('suite '):
            found.extend(suites_in(sub))
        elif len(sub.subtests) != 1 or sub.subtests[0].name != sub.name[6:]:
            problem(f'{sub.name}: holds {[t.name for t in sub.subtests]}, not that one suite')
        else:
            found.append(sub.subtests[0])
    return found


def check_kunit(docs, manifest):
    seen = {}
    for doc in docs:
        for suite in suites_in(doc):
            if suite.name in seen:
                problem(f'kunit suite {suite.name}: ran more than once')
            seen.setdefault(suite.name, suite)
    for name, cases in manifest.items():
        if name not in seen:
            problem(f'kunit suite {name}: did not run (tests.manifest wants {cases} cases)')
            continue
        got = leaf_count(seen[name])
        if got != cases:
            problem(f'kunit suite {name}: {got} cases, tests.manifest says {cases}')
    for name in seen:
        if name not in manifest:
            problem(f'kunit suite {name}: ran, but is not in tests.manifest')


def leaf_count(test):
    return sum(leaf_count(sub) for sub in test.subtests) if test.subtests else 1


def check_vm(vm, path, planned):
    """The VM's document: its tests in the manifest's order and counts."""
    try:
        with open(path, errors='replace') as f:
            lines = [ln.rstrip('\r\n') + '\n' for ln in f]
    except OSError as e:
        problem(f'VM {vm}: no results ({e})')
        return None
    doc = parse(lines, f'VM {vm}')
    if doc is None:
        return None
    got = [(t.name, t) for t in doc.subtests]
    for i, (name, checks) in enumerate(planned):
        if i >= len(got) or got[i][0] != name:
            problem(f'VM {vm}: test {name} did not run (or not in its place, '
                    f'{i + 1} of {len(planned)}; tests.manifest)')
            continue
        # The parser pads a test that stopped short with nameless
        # "crashed" results up to its plan: those were never reported.
        results = sum(1 for t in got[i][1].subtests if t.name)
        if results != checks:
            problem(f'VM {vm}: test {name} reported {results} results, '
                    f'tests.manifest says {checks}')
    names = [n for n, _ in planned]
    for name, _ in got:
        if name not in names:
            problem(f'VM {vm}: test {name} ran, but is not in tests.manifest')
    for name in {n for n, _ in got if [m for m, _ in got].count(n) > 1}:
        problem(f'VM {vm}: test {name} ran more than once')
    if len(got) > len(planned):
        problem(f'VM {vm}: {len(got)} tests ran, tests.manifest has {len(planned)}')
    for name, test in got:
        leaves(test, f'{vm}/{name}')
    return doc


def check_tree(top, scripts):
    """Every guest test script of the tree is in the manifest, and every
    KUnit module of kunit/Kbuild is loaded by guest/test-kunit.sh."""
    guest = os.path.join(top, 'tools/testing/vmbus_mdev/guest')
    for name in sorted(os.listdir(guest)):
        if re.match(r'test-.*\.sh$', name) and name not in scripts:
            problem(f'guest/{name}: a test script that tests.manifest does not list')
    with open(os.path.join(guest, 'test-kunit.sh')) as f:
        loaded = set(re.findall(r'insmod "\$VMTEST_MODDIR/([A-Za-z0-9_]+)\.ko"', f.read()))
    with open(os.path.join(top, 'kunit/Kbuild')) as f:
        for line in f:
            m = re.match(r'\s*obj-\S+\s*[+:]?=(.*)', line)
            for mod in re.findall(r'([A-Za-z0-9_-]+)\.o\b', m.group(1)) if m else []:
                if mod not in loaded:
                    problem(f'kunit/Kbuild: module {mod} is not loaded by guest/test-kunit.sh')


def main():
    top = sys.argv[2]
    kunit, guest = read_manifest(os.path.join(top, 'tools/testing/vmbus_mdev/tests.manifest'))
    check_tree(top, {script for tests in guest.values() for _, script, _ in tests})
    args = sys.argv[3:]
    docs = {}
    while args:
        if args[0] == '--vm' and len(args) > 1 and '=' in args[1]:
            vm, path = args[1].split('=', 1)
            planned = [(name, checks) for name, _, checks in guest.get(vm, [])]
            docs[vm] = check_vm(vm, path, planned)
        else:
            sys.exit(f'usage: {sys.argv[0]} KUNIT_TOOL_DIR TOP [--vm NAME=FILE ...]')
        args = args[2:]
    for vm in guest:
        if vm not in docs:
            problem(f'VM {vm}: tests.manifest names it, but it gave no results')
    check_kunit([d for d in docs.values() if d is not None], kunit)
    if counts['passed'] == 0:
        problem('no test passed at all')
    print(f"ktap-counts: {counts['passed']} {counts['failed']} {counts['skipped']}")
    return 1 if counts['failed'] else 0


sys.exit(main())
