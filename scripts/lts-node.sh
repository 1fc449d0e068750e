# Sourced (not run) by scripts/test.sh, scripts/start-local.sh and .ci/run, from the project root.
# Puts a Node.js that satisfies package.json's engines first on PATH. A machine whose own node is
# older gets the pinned LTS release from the npm registry, which ships Node's binary as the package
# node-<platform>-<arch>, unpacked once into .local/ (git-ignored). npm itself is the machine's: its
# `#!/usr/bin/env node` line then runs it on the Node found first on PATH. Callers:
#   source scripts/lts-node.sh || exit 1

LTS_NODE_VERSION=24.22.3

lts_node_supported() {
  "$1" -e '
    const want = /(\d+)\.(\d+)/.exec(require("./package.json").engines.node).slice(1).map(Number);
    const have = process.versions.node.split(".").map(Number);
    process.exit(have[0] > want[0] || (have[0] === want[0] && have[1] >= want[1]) ? 0 : 1);
  ' 2>/dev/null
}

lts_node_use() {
  command -v node >/dev/null || { echo "[node] Node.js is not installed: install Node.js 22.12 or later" >&2; return 1; }
  lts_node_supported node && return 0
  local platform dir
  platform=$(node -p 'process.platform + "-" + process.arch')
  dir="$PWD/.local/node-v$LTS_NODE_VERSION-$platform"
  if ! lts_node_supported "$dir/bin/node"; then
    echo "[node] Node $(node -v) is older than engines $(node -p 'require("./package.json").engines.node'): fetching Node v$LTS_NODE_VERSION (npm package node-$platform) into ${dir#"$PWD"/}" >&2
    local work
    work=$(mktemp -d "${TMPDIR:-/tmp}/lts-node-XXXXXX")
    if ! (cd "$work" && npm pack --silent "node-$platform@$LTS_NODE_VERSION" >/dev/null &&
      tar -xzf ./*.tgz &&
      rm -rf "$dir" && mkdir -p "$(dirname "$dir")" && mv package "$dir"); then
      rm -rf "$work"
      echo "[node] could not fetch Node v$LTS_NODE_VERSION; install Node.js 22.12 or later" >&2
      return 1
    fi
    rm -rf "$work"
  else
    echo "[node] Node $(node -v) is older than engines: using Node v$LTS_NODE_VERSION from ${dir#"$PWD"/}" >&2
  fi
  export PATH="$dir/bin:$PATH"
}

lts_node_use
