#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Parse KTAP with the kernel's kunit_parser and count every test case.

Usage: kunit-count.py KUNIT_TOOL_DIR LOG
Prints one line per case, then "kunit-counts: PASSED FAILED SKIPPED" last. Exits non-zero when the
output does not parse cleanly, has no case at all, or any case failed.
"""
import sys

sys.path.insert(0, sys.argv[1])
import kunit_parser  # noqa: E402
from kunit_parser import TestStatus  # noqa: E402

with open(sys.argv[2], errors='replace') as f:
    lines = f.readlines()

# The parser prints the kernel's usual readable report as it goes.
test = kunit_parser.parse_run_tests(lines)
counts = {'passed': 0, 'failed': 0, 'skipped': 0}


def walk(t, path):
    name = f'{path}.{t.name}' if path else t.name
    if not t.subtests:
        if t.status == TestStatus.SUCCESS:
            key, word = 'passed', 'ok  '
        elif t.status == TestStatus.SKIPPED:
            key, word = 'skipped', 'skip'
        else:
            key, word = 'failed', 'FAIL'
        counts[key] += 1
        print(f'kunit: {word} {name}')
        return
    for sub in t.subtests:
        walk(sub, name if t.name and t.name != 'main' else path)


for sub in test.subtests:
    walk(sub, '')

problems = test.counts.errors
total = sum(counts.values())
if total == 0:
    print('kunit: no KUnit case ran')
    counts['failed'] += 1
if problems:
    print(f'kunit: {problems} KTAP parse error(s)')
    counts['failed'] += problems

print(f"kunit-counts: {counts['passed']} {counts['failed']} {counts['skipped']}")
sys.exit(1 if counts['failed'] else 0)
