#!/bin/sh
# Install the Debian packages given as arguments if any is missing.
# As root: apt-get does it. Otherwise: print the one command to run.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "tessera: installing:$missing"
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends $missing
else
	echo "tessera: these Debian packages are missing:$missing"
	echo "tessera: install them with:"
	echo "    sudo apt-get install$missing"
	exit 1
fi
