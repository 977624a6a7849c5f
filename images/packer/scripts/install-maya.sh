#!/bin/sh
# Installs Maya and the chosen renderers from the user's own installers on Rocky Linux 9, for
# headless rendering (mayapy). Used by both recipes: the Packer image (maya-rocky9.pkr.hcl)
# and the container (../docker/Dockerfile). Runs as root.
#
#   INSTALLERS    folder holding the installers (default /tmp/installers):
#                 *.rpm            installed with dnf, which pulls their dependencies
#                 *.tgz, *.tar.gz  unpacked first (Autodesk ships Maya for Linux as a .tgz of
#                                  RPMs under Packages/); every RPM inside is installed
#                 *.run            run with RUN_ARGS (Arnold for Maya's Linux installer)
#   MAYA_VERSION  e.g. 2026: mayapy is linked from /usr/autodesk/maya$MAYA_VERSION/bin
#   RUN_ARGS      switches for *.run installers (default "silent"; check your installer's)
#   PLUGINS       plug-ins that must load, e.g. "mtoa" or "mtoa vrayformaya redshift4maya"
#   SKIP_CHECK=1  skip the last step, which starts Maya headless and loads PLUGINS
#   MAYA_ROOT, BIN_DIR  where Maya installs (/usr/autodesk) and where mayapy and Render are
#                 linked (/usr/local/bin, on every PATH, the container's included)
#
# Sources for the libraries: Autodesk, "Additional required Linux libraries" (Maya 2025 install
# guide, GUID-3E0A3A36-B1C2-4B91-994B-731C672D9694); the public Rocky Linux Maya containers
# mortenbohne/maya-brew (Rocky 9, Maya 2026) and mottosso/docker-maya (Rocky 8). A library
# missing here shows as the check failing with the name of the .so Maya could not load.
set -eu

INSTALLERS="${INSTALLERS:-/tmp/installers}"
MAYA_VERSION="${MAYA_VERSION:-2026}"
RUN_ARGS="${RUN_ARGS:-silent}"
UNPACKED="$(mktemp -d)"

if [ ! -d "$INSTALLERS" ]; then
    echo "install-maya: no installers folder at $INSTALLERS" >&2
    exit 1
fi

dnf -y install \
    alsa-lib fontconfig freetype libglvnd-egl libglvnd-opengl libICE libSM libX11 libXcomposite \
    libXcursor libXdamage libXext libXft libXi libXinerama libXmu libXpm libXrandr libXrender \
    libXt libXtst libxkbcommon libxkbcommon-x11 libxkbfile libtiff mesa-libGL mesa-libGLU \
    nss nspr pulseaudio-libs tcsh which xorg-x11-fonts-ISO8859-1-75dpi liberation-sans-fonts

for archive in "$INSTALLERS"/*.tgz "$INSTALLERS"/*.tar.gz; do
    [ -e "$archive" ] || continue
    echo "install-maya: unpacking $(basename "$archive")"
    tar -xzf "$archive" -C "$UNPACKED"
done

rpms="$(find "$INSTALLERS" "$UNPACKED" -name '*.rpm' -type f | sort)"
if [ -n "$rpms" ]; then
    echo "install-maya: installing $(echo "$rpms" | wc -l) RPMs"
    # shellcheck disable=SC2086 # one word per RPM path (the installers' names have no spaces)
    dnf -y install $rpms
fi

for run in "$INSTALLERS"/*.run; do
    [ -e "$run" ] || continue
    echo "install-maya: running $(basename "$run") $RUN_ARGS"
    # shellcheck disable=SC2086 # the switches are words
    sh "$run" $RUN_ARGS
done
rm -rf "$UNPACKED"

MAYA_BIN="${MAYA_ROOT:-/usr/autodesk}/maya$MAYA_VERSION/bin"
BIN_DIR="${BIN_DIR:-/usr/local/bin}"
if [ ! -x "$MAYA_BIN/mayapy" ]; then
    echo "install-maya: no $MAYA_BIN/mayapy after the install; is MAYA_VERSION=$MAYA_VERSION right?" >&2
    exit 1
fi
mkdir -p "$BIN_DIR"
ln -sf "$MAYA_BIN/mayapy" "$BIN_DIR/mayapy"
ln -sf "$MAYA_BIN/Render" "$BIN_DIR/Render"

if [ "${SKIP_CHECK:-0}" != 1 ]; then
    echo "install-maya: starting Maya headless"
    # a plug-in that does not load fails the build here, not a render task later
    MAYA_DISABLE_CIP=1 "$BIN_DIR/mayapy" -c '
import os
import maya.standalone
maya.standalone.initialize(name="python")
from maya import cmds
print("Maya", cmds.about(version=True))
for plugin in os.environ.get("PLUGINS", "").split():
    cmds.loadPlugin(plugin, quiet=True)
    print("loaded", plugin, cmds.pluginInfo(plugin, query=True, version=True))
maya.standalone.uninitialize()
'
fi
echo "install-maya: done"
