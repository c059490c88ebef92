#!/usr/bin/env bash
# Packs MiniVmm's NuGet packages into one folder, for plugin authors outside the repository:
#   MiniVmm.Sdk        the plugin SDK (src/Hypervisor.Abstractions)
#   MiniVmm.Core       the machine the test kit builds devices with (src/Hypervisor.Core)
#   MiniVmm.Testing    the device test kit (src/Hypervisor.Testing)
#   minivmm            the minivmm command as a .NET tool, with the shipped device plugins
#   MiniVmm.Templates  `dotnet new minivmm-device` (templates/), defaulting to this version and folder
#
#   scripts/pack.sh [--version V] [--output DIR] [--configuration C] [--no-build]
#
# Defaults: the version in Directory.Build.props, artifacts/packages, Release. --no-build packs
# what an earlier build of that configuration left (the template test uses it). NuGet never
# re-extracts a version it has cached, so this version's SDK and test kit are dropped from the
# global package cache (a re-pack reaches the next restore). Then:
#   dotnet tool install --global --add-source artifacts/packages minivmm
#   dotnet new install artifacts/packages/MiniVmm.Templates.<version>.nupkg
#   dotnet new minivmm-device -n MyDevice        (see docs/writing-a-device.md)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

output="artifacts/packages"
configuration="Release"
version=""
args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --version) version="$2"; args+=("-p:Version=$2"); shift 2 ;;
        --output) output="$2"; shift 2 ;;
        --configuration|-c) configuration="$2"; shift 2 ;;
        --no-build) args+=(--no-build); shift ;;
        -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "pack.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done
mkdir -p "$output"
output="$(cd "$output" && pwd)"

for project in src/Hypervisor.Abstractions src/Hypervisor.Core src/Hypervisor.Testing src/MiniVmm templates/MiniVmm.Templates.csproj; do
    dotnet pack "$project" -c "$configuration" -o "$output" -p:MiniVmmPackageFolder="$output" \
        --nologo -v quiet "${args[@]+"${args[@]}"}"
done

if [[ -z "$version" ]]; then
    version="$(dotnet msbuild src/Hypervisor.Abstractions -getProperty:Version -p:Configuration="$configuration")"
fi
cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
for id in minivmm.sdk minivmm.core minivmm.testing; do
    rm -rf "${cache:?}/$id/${version,,}"
done
ls "$output"/*."$version".nupkg
