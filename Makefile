# SPDX-License-Identifier: GPL-2.0
#
# vmbus_mdev: build the modules out of tree, and run the VM-based jobs.
#
#   make            build every module against $(KDIR) with W=1
#   make check      full test run (static checks, debug kernel, KUnit, VM tests)
#   make demo       the showcase on Debian's stock 6.12 kernel in QEMU
#   make vm         interactive shell in the test VM; SCRIPT=FILE runs FILE
#   make docs       Documentation/ as HTML, in .build/docs/html
#   make bench      create/remove scaling benchmark in a VM
#   make bench-azblob  Azure Blob request throughput benchmark in a VM
#   make fuzz       the fuzzers, long: trinity on the project's files (OPS=N
#                   calls per target, SEED=S to replay) and the structured
#                   ones of the Azure Blob ioctl and the VFIO device fd
#                   (CALLS=M each, FSEED=F)
#   make stress     the concurrent stress, DURATION=SECONDS (default 1800)
#   make check-kcsan  the KUnit suites, the racing Azure Blob tests and the
#                   stress (DURATION, default 300) on a KCSAN kernel
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
# Hosts that do not run a Debian 6.12 kernel still have its headers.
ifeq ($(wildcard $(KDIR)/Makefile),)
KDIR := $(firstword $(wildcard /usr/src/linux-headers-6.12*-amd64))
endif

T := tools/testing/vmbus_mdev

all:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

check:
	$(T)/check.sh

demo:
	$(T)/demo.sh

docs:
	$(T)/docs.sh

bench:
	$(T)/bench.sh mdev

bench-azblob:
	$(T)/bench.sh azblob

fuzz:
	OPS=$(OPS) SEED=$(SEED) CALLS=$(CALLS) FSEED=$(FSEED) $(T)/solo.sh fuzz

stress:
	DURATION=$(DURATION) $(T)/solo.sh stress

check-kcsan:
	DURATION=$(DURATION) $(T)/solo.sh kcsan

vm:
	$(T)/vm.sh $(if $(SCRIPT),--script $(SCRIPT))

clean:
	$(if $(KDIR),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	rm -rf .build

.PHONY: all check check-kcsan demo docs bench bench-azblob fuzz stress vm clean
