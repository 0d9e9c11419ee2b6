# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration of `make docs` (tools/testing/vmbus_mdev/docs.sh):
# the pages of driver-api/ with the API reference that their kernel-doc
# directives pull from the sources, through the kernel's own kernel-doc
# extension and script, taken from the linux-source tree in $KERNEL_SRC.

import os
import sys

top = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
ksrc = os.environ.get('KERNEL_SRC')
if not ksrc or not os.path.isfile(os.path.join(ksrc, 'scripts', 'kernel-doc')):
    raise RuntimeError('KERNEL_SRC must name a Linux source tree')
sys.path.insert(0, os.path.join(ksrc, 'Documentation', 'sphinx'))

project = 'vmbus_mdev'
copyright = 'The vmbus_mdev authors'
root_doc = 'index'
extensions = ['kerneldoc']
exclude_patterns = []
# The kernel's annotations the C domain must read as attributes.
c_id_attributes = ['__user', '__iomem', '__must_check', '__init', '__exit',
                   '__rcu', '__percpu', 'noinline', '__always_inline']
html_theme = 'alabaster'
html_show_sourcelink = False

kerneldoc_bin = os.path.join(ksrc, 'scripts', 'kernel-doc')
kerneldoc_srctree = top
# kernel-doc's own warnings print on the build's standard error.
kerneldoc_verbosity = 1
