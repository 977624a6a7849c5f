#!/bin/sh
# azure-batch-maya: the start task of a pool that installs Maya and renderers at node start.
#
# Batch puts this script and the user's installers (from `nodes installers add`) in the start
# task's working folder; the start task's environment lists them:
#   AZBM_INSTALL_COUNT=N, AZBM_INSTALL_<i>="<sha256> <kind> <file name>" (i = 1..N, in order),
#   AZBM_INSTALL_<i>_ARGS="silent switches" (run kind; split like a POSIX shell's words).
# Kinds: rpm (dnf/yum/rpm, needs an RPM-based image and admin), run (a self-extracting
# installer run with its switches), archive (.tar.gz/.tgz/.tar.xz/.tar/.zip unpacked into
# <prefix>/<name>). Each installer is checked against its hash first and leaves a marker
# named by that hash once installed, so a reboot (which runs the start task again) skips it.
# Afterwards <prefix>/bin/mayapy runs the newest mayapy found, linked from /usr/local/bin/mayapy
# on a Batch node (not on the local pool, which is the user's own machine). Everything goes to install.log in the working folder (startup/wd/install.log
# through the node file API); a failure ends the task non-zero with one line on stderr saying
# which installer failed, so the node becomes `starttaskfailed`.
set -u

WD="${AZ_BATCH_TASK_WORKING_DIR:-$(pwd)}"
NODE="${AZ_BATCH_NODE_ID:-this node}"
if [ -n "${AZBM_INSTALL_PREFIX:-}" ]; then
    PREFIX="$AZBM_INSTALL_PREFIX"
elif [ -n "${AZ_BATCH_NODE_SHARED_DIR:-}" ]; then
    PREFIX="$AZ_BATCH_NODE_SHARED_DIR/azbm-install"
else
    echo "azure-batch-maya install: AZ_BATCH_NODE_SHARED_DIR is not set; run this as a Batch start task" >&2
    exit 2
fi
LOG="$WD/install.log"
MARKERS="$PREFIX/markers"
mkdir -p "$WD" "$PREFIX/bin" "$MARKERS" || exit 2

log() {
    printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >>"$LOG"
    printf '%s\n' "$*"
}

fail() {
    log "FAILED: $*"
    echo "azure-batch-maya install failed on $NODE: $* (the whole log: startup/wd/install.log)" >&2
    if [ -n "${STEP_LOG:-}" ] && [ -s "$STEP_LOG" ]; then
        echo "--- last lines of its output ---" >&2
        tail -n 20 "$STEP_LOG" >&2
    fi
    exit 1
}

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$1" | cut -d' ' -f1
    elif command -v python3 >/dev/null 2>&1; then
        python3 -c 'import hashlib,sys;print(hashlib.file_digest(open(sys.argv[1],"rb"),"sha256").hexdigest())' "$1" 2>/dev/null ||
            python3 -c 'import hashlib,sys;print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"
    else
        fail "no sha256sum, shasum or python3 on this image to check the installers with"
    fi
}

# Runs "$@" with its output in the step log (and the install log); its exit code is ours.
run_logged() {
    "$@" >"$STEP_LOG" 2>&1
    code=$?
    cat "$STEP_LOG" >>"$LOG"
    return $code
}

install_rpm() {
    file="$1"
    if ! command -v rpm >/dev/null 2>&1; then
        fail "$NAME is an RPM, but this node's image has no rpm (Ubuntu or Debian?): use an RPM-based image such as Rocky Linux or AlmaLinux, or install from a .tar.gz"
    fi
    if [ "$(id -u)" != 0 ]; then
        fail "$NAME is an RPM and needs root: give the start task admin rights (the product's start task has them)"
    fi
    package=$(rpm -qp --queryformat '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}' "$file" 2>/dev/null)
    if [ -n "$package" ] && rpm -q --quiet "$package"; then
        log "$NAME: $package is already installed"
        return 0
    fi
    if command -v dnf >/dev/null 2>&1; then
        run_logged dnf install -y "$file"
    elif command -v yum >/dev/null 2>&1; then
        run_logged yum install -y "$file"
    else
        run_logged rpm -Uvh --replacepkgs "$file"
    fi
}

install_run() {
    file="$1"
    chmod u+x "$file" || return 1
    (eval "set -- ${ARGS}") 2>/dev/null || fail "$NAME: its switches ($ARGS) are not valid shell words"
    eval "set -- ${ARGS}"
    AZBM_INSTALL_PREFIX="$PREFIX" run_logged "$file" "$@"
}

install_archive() {
    file="$1"
    stem="$NAME"
    for suffix in .tar.gz .tgz .tar.xz .tar .zip; do
        stem="${stem%"$suffix"}"
    done
    target="$PREFIX/$stem"
    partial="$PREFIX/.$stem.partial"
    rm -rf "$partial" && mkdir -p "$partial" || return 1
    case "$NAME" in
    *.zip)
        if command -v unzip >/dev/null 2>&1; then
            run_logged unzip -q -o "$file" -d "$partial"
        elif command -v python3 >/dev/null 2>&1; then
            run_logged python3 -m zipfile -e "$file" "$partial"
        else
            fail "$NAME: neither unzip nor python3 is on this image to unpack a .zip; upload a .tar.gz"
        fi
        ;;
    *) run_logged tar -xf "$file" -C "$partial" ;;
    esac
    code=$?
    if [ $code -ne 0 ]; then
        rm -rf "$partial"
        return $code
    fi
    rm -rf "$target" && mv "$partial" "$target" || return 1
    log "$NAME: unpacked into $target"
}

# The newest mayapy: archives in the prefix first (the user's own), then system installs.
find_mayapy() {
    found=""
    for candidate in "$PREFIX"/*/bin/mayapy "$PREFIX"/*/*/bin/mayapy; do
        [ -x "$candidate" ] && found="$candidate"
    done
    if [ -z "$found" ]; then
        for candidate in /usr/autodesk/maya*/bin/mayapy /opt/autodesk/maya*/bin/mayapy; do
            [ -x "$candidate" ] && found="$candidate"
        done
    fi
    printf '%s' "$found"
}

log "azure-batch-maya install on $NODE: ${AZBM_INSTALL_COUNT:-0} installer(s), prefix $PREFIX"
count="${AZBM_INSTALL_COUNT:-0}"
case "$count" in
'' | *[!0-9]*) fail "AZBM_INSTALL_COUNT=$count is not a number; make the pool again with azure-batch-maya" ;;
esac
STEP_LOG="$WD/install-step.log"
i=1
while [ "$i" -le "$count" ]; do
    eval "entry=\${AZBM_INSTALL_$i:-}"
    eval "ARGS=\${AZBM_INSTALL_${i}_ARGS:-}"
    set -- $entry
    [ $# -eq 3 ] || fail "AZBM_INSTALL_$i=\"$entry\" is not \"<sha256> <kind> <name>\"; make the pool again with azure-batch-maya"
    SHA="$1" KIND="$2" NAME="$3"
    FILE="$WD/installers/$NAME"
    i=$((i + 1))
    if [ -f "$MARKERS/$SHA" ]; then
        log "$NAME: installed already (marker $MARKERS/$SHA), skipped"
        continue
    fi
    [ -f "$FILE" ] || fail "$NAME was not fetched to $FILE: check the pool's start task resource files (an expired SAS?)"
    actual=$(sha256_of "$FILE")
    [ "$actual" = "$SHA" ] || fail "$NAME arrived with SHA-256 $actual, not $SHA: add it again with \`nodes installers add\` and make the pool again"
    log "$NAME: installing ($KIND)"
    : >"$STEP_LOG"
    case "$KIND" in
    rpm) install_rpm "$FILE" ;;
    run) install_run "$FILE" ;;
    archive) install_archive "$FILE" ;;
    *) fail "$NAME: unknown kind $KIND; update azure-batch-maya and make the pool again" ;;
    esac
    code=$?
    [ $code -eq 0 ] || fail "$NAME ($KIND) exited $code"
    printf '%s %s\n' "$NAME" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$MARKERS/$SHA"
    log "$NAME: installed"
done
STEP_LOG=""

mayapy=$(find_mayapy)
if [ -n "$mayapy" ]; then
    wrapper="$PREFIX/bin/mayapy"
    printf '#!/bin/sh\nexec "%s" "$@"\n' "$mayapy" >"$wrapper.partial" &&
        chmod 755 "$wrapper.partial" && mv "$wrapper.partial" "$wrapper" ||
        fail "cannot write $wrapper"
    log "mayapy: $wrapper runs $mayapy"
    # On a Batch node (root), also `mayapy` on PATH for tasks that start it by name. Never on
    # the local pool: that is the user's own machine, changed only inside Batch's folders.
    case "${AZ_BATCH_ACCOUNT_URL:-}" in
    http://127.0.0.1* | http://localhost* | '') ;;
    *)
        link_dir="${AZBM_LINK_DIR:-/usr/local/bin}"
        if [ -d "$link_dir" ] && [ -w "$link_dir" ]; then
            ln -sf "$wrapper" "$link_dir/mayapy" && log "mayapy: linked from $link_dir/mayapy"
        fi
        ;;
    esac
else
    log "no mayapy found in $PREFIX or /usr/autodesk: unless the image has Maya, tasks will fail with 'mayapy: not found' (check with \`pools check\`)"
fi
log "azure-batch-maya install on $NODE: done"
exit 0
