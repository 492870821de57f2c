#!/usr/bin/env python3
"""Write Xen's cpufeatureset.h as XCP-ng 8.3 ships it.

XCP-ng 8.3 builds on Xen 4.17 with a backport of Xen commit 9e30bd8f4a8c
("x86/cpu-policy: Annotate the accumulated features",
backport-9e30bd8f4a8c.patch in xcp-ng-rpms/xen), which marks four
features '|': to be OR-ed, not AND-ed, across a pool.  Debian's 4.17
header marks none.  scripts/dev test builds a second tree against the
installed header with those marks added, so that the '|' rules run
through the daemons too.  A feature already marked is left as it is; one
the header lacks fails loudly, as a header we do not understand should.
"""
import re
import sys

ACCUMULATED = ('NO_LMSL', 'MD_CLEAR', 'FB_CLEAR', 'RFDS_CLEAR')
FEATURE = re.compile(r'^(XEN_CPUFEATURE\(\s*([A-Z0-9_]+)\s*,[^)]*\)\s*/\*)'
                     r'([A-Za-z!|]*)')


def main(src, dst):
    seen = set()
    out = []
    with open(src, encoding='utf-8') as f:
        for line in f:
            m = FEATURE.match(line)
            if m and m.group(2) in ACCUMULATED:
                seen.add(m.group(2))
                if '|' not in m.group(3):
                    line = (m.group(1) + m.group(3) + '|' +
                            line[m.end():])
            out.append(line)
    missing = [n for n in ACCUMULATED if n not in seen]
    if missing:
        sys.exit('%s: no XEN_CPUFEATURE for %s' % (src, ', '.join(missing)))
    with open(dst, 'w', encoding='utf-8') as f:
        f.writelines(out)


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit('usage: xcpng_header.py cpufeatureset.h out.h')
    main(sys.argv[1], sys.argv[2])
