#!/usr/bin/env bash
# Installs the npm packages of mqtk's interoperability tests (package.json here: the Aedes
# broker and the MQTT.js client, at pinned versions, exactly as package-lock.json says)
# into a cache the tests own, and puts this folder's Node.js scripts beside them so that
# their imports resolve. Quick when everything is in place; safe to run concurrently.
# Prints the folder that holds node_modules and the scripts.
#   MQTK_INTEROP_CACHE  the cache (default /var/tmp/mqtk-interop); the npm part goes to
#                       $MQTK_INTEROP_CACHE/npm
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${MQTK_INTEROP_CACHE:-/var/tmp/mqtk-interop}
dir=$cache/npm
mkdir -p "$dir"
command -v node >/dev/null && command -v npm >/dev/null || {
  echo "install.sh: node and npm are needed (scripts/setup.sh installs them)" >&2
  exit 1
}

exec 9>"$cache/install.lock"
flock 9
stamp=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -c1-16)
if [[ ! -d "$dir/node_modules" || "$(cat "$dir/.stamp" 2>/dev/null)" != "$stamp" ]]; then
  echo "install.sh: installing the npm packages into $dir" >&2
  rm -f "$dir/.stamp"
  cp "$here/package.json" "$here/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$stamp" >"$dir/.stamp"
fi
# Replaced by rename, never rewritten in place: a test may be starting one right now.
for script in "$here"/*.mjs; do
  target=$dir/$(basename "$script")
  if ! cmp -s "$script" "$target"; then
    cp "$script" "$target.tmp.$$"
    mv "$target.tmp.$$" "$target"
  fi
done
echo "$dir"
