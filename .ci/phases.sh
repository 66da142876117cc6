# Sourced by the CI scripts: named phases with their elapsed time, and a summary on exit.
# phase NAME ends the previous phase (printing its time) and starts the next; the summary is
# printed however the script ends, so a failed run still says where the time went.

PHASE_NAME=''
PHASE_START=0
PHASE_TIMES=()

phase_end() {
  [ -n "$PHASE_NAME" ] || return 0
  local took=$((SECONDS - PHASE_START))
  PHASE_TIMES+=("$(printf '%5ds  %s' "$took" "$PHASE_NAME")")
  echo "== done in ${took}s: $PHASE_NAME"
  PHASE_NAME=''
}

phase() {
  phase_end
  PHASE_NAME=$1
  PHASE_START=$SECONDS
  echo
  echo "== $PHASE_NAME"
}

# Marks the current phase as failed in the summary (for a script that carries on after it).
phase_failed() {
  PHASE_NAME="$PHASE_NAME: FAILED"
}

# For the EXIT trap: $1 is the script's exit status, $2 its title, $3 (optional) the phase that
# failed when the trap has started phases of its own since.
phase_summary() {
  local status=$1 unfinished=${3:-$PHASE_NAME}
  phase_end > /dev/null
  echo
  if [ "$status" = 0 ]; then
    echo "== $2: passed"
  else
    echo "== $2: FAILED (exit $status)${unfinished:+ in: $unfinished}"
  fi
  local line
  for line in "${PHASE_TIMES[@]}"; do echo "$line"; done
  printf '%5ds  total\n' "$SECONDS"
}

die() {
  echo "error: $*" >&2
  exit 1
}
