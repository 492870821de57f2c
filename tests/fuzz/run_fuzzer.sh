#!/bin/sh
# run_fuzzer.sh FUZZER CORPUS SEEDS [LIBFUZZER OPTIONS...]
#
# One bounded run of a libFuzzer harness: CORPUS (made if missing, kept
# between runs) grows from the checked-in SEEDS, which are only read.
# Exits as the fuzzer does: 0, or not 0 with the crash it found, saved
# where -artifact_prefix says.
set -eu
fuzzer=$1 corpus=$2 seeds=$3
shift 3
mkdir -p "$corpus"
exec "$fuzzer" "$@" "$corpus" "$seeds"
