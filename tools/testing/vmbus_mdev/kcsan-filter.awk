# SPDX-License-Identifier: GPL-2.0
#
# KCSAN's data-race reports on a kernel console, sorted by whose they are.
# A report is the block from the "=====" line before "BUG: KCSAN:" to the
# next "=====" line. It is the project's when any line of it names one of
# the project's modules: a frame "func+0x../0x.. [module]" of either
# access's stack, or, with KCSAN_VERBOSE, a lock one side held and where
# it took it. Those, and everything that is not a KCSAN report, are
# printed, so that the usual scan (report-patterns) fails on them. So is
# a report with a frame in module space that has no name (a module gone
# since), and one the console dropped lines of. The other reports, races
# inside the kernel that no code of ours was part of, go to the file
# named by -v foreign=FILE (if given) and are counted there with one line
# "kcsan-foreign: N" at its end. A report cut short (no closing line) is
# printed, as the project's. Lines of other reports printed in the middle
# of a foreign one (a WARNING on another CPU) are printed all the same:
# any line but the report's title that matches one of the extended
# regexes in -v patterns=FILE (report-patterns).
#
# Used on the host by scan-log.sh --kcsan and in the guest by init's boot
# check, so both use busybox awk's and mawk's common dialect.

BEGIN {
	ours = "\\[(vmbus_mdev|vmbus_mdev_vfio|azure_blob|azure_blob_vmbus|vmbus_mtty|" \
	       "vmbus_mdev_testvendor|azblob_sim|vmbus_mdev_kunit|azblob_kunit)( [0-9a-f]+)?\\]" \
	       "|(^|\n)(\\[ *[0-9.]+\\])? *0xffffffff[a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]" \
	       "|messages dropped"
	npat = 0
	if (patterns != "")
		while ((getline line <patterns) > 0)
			if (line != "")
				pat[++npat] = line
	sep = "=================================================="
	inblk = 0; held = ""; n = 0
}

function done_block(	k, i, lines, nl) {
	if (blk ~ ours) {
		print blk
	} else {
		n++
		if (foreign != "")
			print blk >foreign
		nl = split(blk, lines, "\n")
		for (i = 1; i <= nl; i++) {
			if (index(lines[i], "BUG: KCSAN: "))
				continue
			for (k = 1; k <= npat; k++)
				if (lines[i] ~ pat[k]) {
					print lines[i]
					break
				}
		}
	}
	blk = ""
	inblk = 0
}

inblk {
	blk = blk "\n" $0
	if (index($0, sep))
		done_block()
	next
}

/BUG: KCSAN: / {
	blk = held == "" ? $0 : held "\n" $0
	held = ""
	inblk = 1
	next
}

{
	if (held != "")
		print held
	held = ""
	if (index($0, sep)) {
		held = $0
		next
	}
	print
}

END {
	if (held != "")
		print held
	if (inblk)
		print blk
	if (foreign != "")
		print "kcsan-foreign: " n >foreign
}
