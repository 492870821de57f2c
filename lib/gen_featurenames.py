#!/usr/bin/env python3
"""Generate the feature name table from Xen's public cpufeatureset.h.

Reads the XEN_CPUFEATURE(NAME, word*32+bit) lines with the attribute
characters at the start of their comments, and the "CPUID level L:S.reg,
word N" section comments that say where each word comes from.  Writes a
C file that lib/featurenames.h describes.  Fails loudly on anything it
does not understand: a silently short table would mis-name features.

Also writes Xen's deep dependencies for the header's features, the
transitive closure of the direct ones in feature_deps.txt as they stand
in the Xen release line given (see that file for its format).
"""
import re
import sys

FEATURE = re.compile(
    r'^XEN_CPUFEATURE\(\s*([A-Za-z0-9_]+)\s*,\s*(\d+)\s*\*\s*32\s*\+\s*(\d+)\s*\)'
    r'\s*/\*(\S*)')
# Word 17 is written in terms of word 16 ("16*32+62"): only the index,
# word * 32 + bit, is meaningful, never the two halves on their own.
SECTION = re.compile(
    r'/\*.*?(CPUID level|MSR\w*)\s+(0x[0-9A-Fa-f]+)(?::(\d+))?\.(e[abcd]x),'
    r'\s*word\s+(\d+)')
ATTRS = {'!': 'FEAT_SPECIAL', '|': 'FEAT_ACCUMULATE',
         'A': 'FEAT_PV_DEFAULT|FEAT_HVM_SHADOW_DEFAULT|FEAT_HVM_HAP_DEFAULT',
         'a': 'FEAT_PV_MAX|FEAT_HVM_SHADOW_MAX|FEAT_HVM_HAP_MAX',
         'S': 'FEAT_HVM_SHADOW_DEFAULT|FEAT_HVM_HAP_DEFAULT',
         's': 'FEAT_HVM_SHADOW_MAX|FEAT_HVM_HAP_MAX',
         'H': 'FEAT_HVM_HAP_DEFAULT', 'h': 'FEAT_HVM_HAP_MAX'}

# Leaf 0x80000001.EDX (word 2) repeats these leaf 1 EDX (word 0) bits at
# the same positions: gen-cpuid.py's common_1d.  The header names them in
# word 0 only; xen-cpuid prints the word 2 copies under the same names.
COMMON_1D = ('FPU', 'VME', 'DE', 'PSE', 'TSC', 'MSR', 'PAE', 'MCE', 'CX8',
             'APIC', 'MTRR', 'PGE', 'MCA', 'CMOV', 'PAT', 'PSE36', 'MMX',
             'FXSR')

# feature_deps.txt: "PREREQ [since|until X.Y]: DEPENDENT..."
DEP_RULE = re.compile(
    r'^([A-Z0-9_]+)(?:\s+(since|until)\s+(\d+)\.(\d+))?\s*:\s*(\S.*)$')
DEP_NAME = re.compile(r'^[A-Z0-9_]+$')
DEP_RANGE = re.compile(r'^(all|named):(\d+)\*32\+(\d+)\.\.(\d+)\*32\+(\d+)$')
# The oldest line the table knows: older ones lack edges it has as facts.
OLDEST_XEN = (4, 17)


def parse_version(text):
    """(major, minor) of "4.17", "4.17.0" or "4.23-unstable"."""
    m = re.match(r'^(\d+)\.(\d+)(?:[.~+-].*)?$', text)
    if not m:
        sys.exit('gen_featurenames.py: Xen version %r is not MAJOR.MINOR'
                 % text)
    version = (int(m.group(1)), int(m.group(2)))
    if version < OLDEST_XEN:
        sys.exit('gen_featurenames.py: Xen %d.%d is older than the %d.%d the '
                 'dependency table starts at: set -Dxen_version' %
                 (version + OLDEST_XEN))
    return version


def read_deps(path, version, by_index, nr_words):
    """The direct dependencies that hold in version: {prereq: [dependent]}.

    A dependent is a name, or the index of a bit the header does not name
    (from an "all:" range).  Names the header lacks are kept: the closure
    goes through them, and only then is it cut down to the header.
    """
    deps = {}
    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            m = DEP_RULE.match(line)
            if not m:
                sys.exit('%s:%d: cannot parse: %s' % (path, lineno, line))
            key, cond, major, minor, rest = m.groups()
            if cond is not None:
                v = (int(major), int(minor))
                if (cond == 'since' and version < v or
                        cond == 'until' and version > v):
                    continue
            out = deps.setdefault(key, [])
            for tok in rest.split():
                if DEP_NAME.match(tok):
                    out.append(tok)
                    continue
                r = DEP_RANGE.match(tok)
                if not r:
                    sys.exit('%s:%d: not a name nor a range: %s'
                             % (path, lineno, tok))
                lo = int(r.group(2)) * 32 + int(r.group(3))
                hi = int(r.group(4)) * 32 + int(r.group(5))
                if lo > hi:
                    sys.exit('%s:%d: empty range %s' % (path, lineno, tok))
                # A header without these words cannot hold the bits.
                for i in range(lo, min(hi + 1, nr_words * 32)):
                    if i in by_index:
                        out.append(by_index[i])
                    elif r.group(1) == 'all':
                        out.append(i)
    return deps


def deep_deps(path, deps, index):
    """[(index, name, bits)] of the header's features that have dependents."""
    result = []
    for key in sorted(deps):
        # Everything reachable from key: a plain set, as gen-cpuid.py
        # computes it since Xen's commit 3999ff0d307a (two paths to one
        # feature are fine, a path back to key is a cycle).
        seen, todo = set(), list(deps[key])
        while todo:
            f = todo.pop()
            if f == key:
                sys.exit('%s: dependency cycle through %s' % (path, key))
            if f in seen:
                continue
            seen.add(f)
            todo.extend(deps.get(f, ()))
        bits = set(f for f in seen if isinstance(f, int))
        bits |= set(index[f] for f in seen if f in index)
        # A feature the header lacks, or one that would clear nothing
        # under this header, needs no entry.
        if key in index and bits:
            result.append((index[key], key, bits))
    if not result:
        sys.exit('%s: no dependency holds for this header' % path)
    return sorted(result)


def main(header, deps_path, xen_version, out):
    features, words = [], {}
    # Explicit: Python 3.6 (EL7) in a C locale would read ASCII only.
    with open(header, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            m = SECTION.search(line)
            if m:
                kind = 'WORD_CPUID' if m.group(1) == 'CPUID level' else 'WORD_MSR'
                sub = m.group(3)
                words[int(m.group(5))] = (kind, int(m.group(2), 16),
                                          int(sub) if sub is not None else -1,
                                          'REG_' + m.group(4).upper())
                continue
            if not line.startswith('XEN_CPUFEATURE('):
                continue
            m = FEATURE.match(line)
            if not m:
                sys.exit('%s:%d: cannot parse: %s' % (header, lineno, line.strip()))
            name, word, bit, attrs = m.groups()
            unknown = [c for c in attrs if c not in ATTRS]
            if unknown:
                sys.exit('%s:%d: unknown attribute %r' % (header, lineno, unknown))
            flags = '|'.join(ATTRS[c] for c in attrs) or '0'
            features.append((int(word) * 32 + int(bit), name, attrs, flags))
    if not features:
        sys.exit('%s: no XEN_CPUFEATURE lines' % header)
    features.sort()
    nr_words = max(words.keys() | {features[-1][0] // 32}) + 1
    index = dict((name, i) for i, name, attrs, flags in features)
    by_index = dict((i, name) for name, i in index.items())

    version = parse_version(xen_version)
    deep = deep_deps(deps_path,
                     read_deps(deps_path, version, by_index, nr_words), index)

    rows = [(i, name.lower().replace('_', '-'), name, attrs, flags)
            for i, name, attrs, flags in features]
    for name in COMMON_1D:
        if name not in index or index[name] >= 32:
            sys.exit('%s: %s is not a word 0 feature' % (header, name))
        alias = 64 + index[name]
        if alias in by_index:
            sys.exit('%s: %s aliases %s' % (header, by_index[alias], name))
        # Not a header spelling: no header has it, so look-ups of the
        # header's names never find the alias.
        rows.append((alias, name.lower().replace('_', '-'), 'E1D_' + name,
                     '', '0'))
    rows.sort()

    with open(out, 'w', encoding='utf-8') as o:
        o.write('/* Generated by gen_featurenames.py from %s: do not edit. */\n'
                '#include "featurenames.h"\n\n' % header)
        o.write('const struct feature_desc feature_table[] = {\n')
        for i, name, xen_name, attrs, flags in rows:
            o.write('\t{ "%s", "%s", %d, "%s", %s },\n'
                    % (name, xen_name, i, attrs, flags))
        o.write('};\nconst size_t feature_table_len = %d;\n\n' % len(rows))
        o.write('const struct word_source word_sources[] = {\n')
        for i in range(nr_words):
            kind, leaf, sub, reg = words.get(i, ('WORD_UNKNOWN', 0, -1, 'REG_EAX'))
            o.write('\t{ %s, 0x%08x, %d, %s },\n' % (kind, leaf, sub, reg))
        o.write('};\nconst size_t featureset_nr_words = %d;\n\n' % nr_words)

        o.write('/* From %s for Xen %d.%d. */\n' % (deps_path, version[0],
                                                   version[1]))
        o.write('const struct feature_deep_dep feature_deep_deps[] = {\n')
        for i, name, bits in deep:
            mask = [0] * nr_words
            for b in bits:
                mask[b // 32] |= 1 << (b % 32)
            o.write('\t{ %d, {\t/* %s */\n' % (i, name))
            for w in range(0, nr_words, 6):
                o.write('\t    %s,\n' % ', '.join('0x%08x' % x
                                                 for x in mask[w:w + 6]))
            o.write('\t} },\n')
        o.write('};\nconst size_t feature_deep_deps_len = %d;\n' % len(deep))
        o.write('const char feature_deps_xen_version[] = "%d.%d";\n'
                % version)


if __name__ == '__main__':
    if len(sys.argv) != 5:
        sys.exit('usage: gen_featurenames.py cpufeatureset.h feature_deps.txt '
                 'XEN_VERSION out.c')
    main(*sys.argv[1:])
