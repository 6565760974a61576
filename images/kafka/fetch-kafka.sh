#!/bin/sh
# fetch-kafka.sh ARCHIVE VERSION SCALA SIGNERS DEST: download Kafka VERSION
# (built for Scala SCALA) from the release archive ARCHIVE (any URL curl
# reads), check it, and unpack it into DEST.
#
# The signature must verify with a key whose primary fingerprint the file
# SIGNERS pins (one a line, spaces ignored, # starts a comment). KEYS
# comes from the same server as the tarball, so it only supplies key
# material: whoever serves the archive cannot pass the check with a key of
# their own. The .sha512 is "name: HEX HEX …" over several lines (gpg
# --print-md) or "hex  name": either way the digest is the hex run after
# any "name:".
set -eu

archive="$1" version="$2" scala="$3" signers="$4" dest="$5"
tgz="kafka_${scala}-${version}.tgz"
url="${archive}/${version}/${tgz}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

curl -fsSL -o "$tgz" "$url"
curl -fsSL -o "$tgz.asc" "$url.asc"
curl -fsSL -o "$tgz.sha512" "$url.sha512"
curl -fsSL -o KEYS "${archive}/KEYS"

export GNUPGHOME="$work/gnupg"
mkdir -m 0700 "$GNUPGHOME"
gpg --batch --quiet --import KEYS 2>/dev/null
if ! gpg --batch --quiet --status-file status --verify "$tgz.asc" "$tgz" 2>/dev/null; then
  echo "fetch-kafka.sh: $tgz: the signature does not verify with any key in KEYS" >&2
  exit 1
fi
signer="$(awk '$2 == "VALIDSIG" { print $NF }' status)"
if ! sed -e 's/#.*//' -e 's/[[:space:]]//g' "$signers" | grep -qix "${signer:-none}"; then
  echo "fetch-kafka.sh: $tgz is signed by ${signer:-no valid key}, which $signers does not pin" >&2
  exit 1
fi

want="$(tr -d ' \t\r\n' <"$tgz.sha512" | sed -e 's/^[^:]*://' -e 's/[^0-9A-Fa-f].*$//' | tr 'A-F' 'a-f')"
have="$(sha512sum "$tgz" | cut -d' ' -f1)"
if [ "${#want}" -ne 128 ] || [ "$want" != "$have" ]; then
  echo "fetch-kafka.sh: $tgz: SHA-512 $have, but $tgz.sha512 says ${want:-nothing}" >&2
  exit 1
fi

mkdir -p "$dest"
tar -xzf "$tgz" -C "$dest" --strip-components=1
rm -rf "$dest/site-docs" "$dest/bin/windows"
