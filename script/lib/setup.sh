# Shared by script/bootstrap, script/server and script/test: find what is there, install what is not.
# Every install says what it installs and where it comes from; nothing is downloaded but from the
# operating system's package manager and the npm and NuGet registries.

say() { printf '\033[1mbootstrap:\033[0m %s\n' "$*" >&2; }
fail() { printf 'bootstrap: %s\n' "$*" >&2; exit 1; }

require_dotnet() {
  command -v dotnet >/dev/null 2>&1 ||
    fail "the .NET 10 SDK is required and 'dotnet' is not on PATH: install it (https://learn.microsoft.com/dotnet/core/install/linux), then run this again."
  local version
  version=$(dotnet --version 2>/dev/null) ||
    fail "no .NET SDK here satisfies global.json (10.0.100 or a later 10.0 feature band): $(dotnet --list-sdks | tr '\n' ' ')"
  [ "${version%%.*}" -ge 10 ] || fail "the .NET SDK is $version; Reconciler needs 10.0 or newer."
}

have_postgres() {
  command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

have_chromium() {
  [ -x "${RECONCILER_CHROMIUM:-/usr/bin/chromium}" ]
}

_apt_updated=false
# install_packages "<what it is for>" <debian package>...
install_packages() {
  local why=$1; shift
  local sudo=""
  if ! command -v apt-get >/dev/null 2>&1; then
    fail "$why: not found, and this is not a Debian/Ubuntu system. Install the package(s) '$*' (or your system's equivalent) with its package manager, then run this again."
  fi
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "$why: not found. Run as root, or install them yourself: apt-get install $*"
    sudo="sudo"
  fi
  say "$why: not found; installing the Debian package(s) $* (apt-get install)"
  export DEBIAN_FRONTEND=noninteractive
  if ! $_apt_updated; then
    $sudo apt-get update -qq || fail "apt-get update failed"
    _apt_updated=true
  fi
  $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null || fail "apt-get install $* failed"
}

# The third-party tools the tests drive: each tests/<name>/package.json (npm: contract checkers, vendors' signing
# libraries) and .config/dotnet-tools.json (NuGet: client generators).
install_test_tools() {
  local manifest folder
  for manifest in tests/*/package.json; do
    [ -f "$manifest" ] || continue
    folder=$(dirname "$manifest")
    command -v npm >/dev/null 2>&1 || fail "the tests in $folder need Node.js and npm (node 20 or newer) on PATH."
    if [ ! -f "$folder/node_modules/.package-lock.json" ] || [ "$folder/package-lock.json" -nt "$folder/node_modules/.package-lock.json" ]; then
      say "installing the tools of $folder from the npm registry (npm ci)"
      npm ci --prefix "$folder" --no-audit --no-fund --loglevel=error >/dev/null || fail "npm ci in $folder failed"
    fi
  done
  if [ -f .config/dotnet-tools.json ]; then
    dotnet tool restore >/dev/null || fail "dotnet tool restore failed (NuGet)"
  fi
}

# The `reconciler` command: the CLI published from this checkout (Release, ReadyToRun so that it starts at once)
# into artifacts/reconciler, and a small launcher on PATH. Published again only when a source file changed.
install_reconciler_command() {
  local app=artifacts/reconciler stamp=artifacts/reconciler/.published
  if [ ! -f "$stamp" ] || [ -n "$(find src eventstore-migrations samples Directory.Build.props Directory.Packages.props global.json \
        -newer "$stamp" -type f -not -path '*/bin/*' -not -path '*/obj/*' -print -quit)" ]; then
    say "building the reconciler command (dotnet publish src/Reconciler -c Release → $app)"
    rm -rf "$app"
    # Its own build folders (--artifacts-path), so that the Release build the benchmarks run stays as it is.
    dotnet publish src/Reconciler -c Release --use-current-runtime --self-contained false -p:PublishReadyToRun=true \
      --artifacts-path artifacts/build -o "$app" -nologo -v q >/dev/null || fail "dotnet publish src/Reconciler failed; run it yourself to see why: dotnet publish src/Reconciler -c Release"
    touch "$stamp"
  fi
  local bin=/usr/local/bin
  if [ "$(id -u)" -ne 0 ]; then
    bin="$HOME/.local/bin"
    mkdir -p "$bin"
  fi
  local launcher="$bin/reconciler" target
  target="$(pwd)/$app/reconciler.dll"
  if [ -e "$launcher" ] && ! grep -q "reconciler-launcher" "$launcher" 2>/dev/null; then
    fail "$launcher exists and is not a Reconciler launcher; remove it, or run $(pwd)/$app/reconciler directly."
  fi
  if ! grep -qF "$target" "$launcher" 2>/dev/null; then
    say "putting the reconciler command on PATH: $launcher → $target"
    printf '#!/bin/sh\n# reconciler-launcher: written by script/bootstrap of %s\nexec "%s" "%s" "$@"\n' \
      "$(pwd)" "$(command -v dotnet)" "$target" >"$launcher"
    chmod +x "$launcher"
  fi
  case ":$PATH:" in
    *":$bin:"*) ;;
    *) say "add $bin to your PATH to type 'reconciler' anywhere: export PATH=\"$bin:\$PATH\"" ;;
  esac
}
