# Sourced by the install scripts: queue Debian packages that are missing, then install them in one go.
# Idempotent: apt is not touched at all when nothing is missing.
missing=()
needs() { # needs PACKAGE CHECK...: queue PACKAGE for installation unless CHECK succeeds
  local package=$1
  shift
  "$@" >/dev/null 2>&1 || missing+=("$package")
}
has() { command -v "$1"; }
installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }

install_missing() { # install_missing LABEL: installs what needs queued (as root), or says which command would
  local label=$1
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "$label: missing ${missing[*]}; as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
    return 1
  fi
  echo "$label: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
}
