# Sourced by the guest scripts (linux-guest/build.sh, memtest.sh): nothing is installed on the host.
# fetch_package NAME DEST: downloads a Debian package with apt-get download (after an apt-get update
# if the first try fails) and unpacks it with dpkg -x into DEST, once (DEST/.complete). Returns 1 when
# the package cannot be downloaded.
fetch_package() {
    local name=$1 dest=$2
    [ -f "$dest/.complete" ] && return 0
    local work
    work=$(mktemp -d)
    chmod 755 "$work" # apt-get download drops to the _apt user
    if ! (cd "$work" && { apt-get download -q "$name" >&2 || { apt-get update -qq >&2 && apt-get download -q "$name" >&2; }; }); then
        rm -rf "$work"
        return 1
    fi
    rm -rf "$dest"
    mkdir -p "$dest"
    dpkg -x "$work"/*.deb "$dest"
    rm -rf "$work"
    echo "$name" > "$dest/.complete"
}
