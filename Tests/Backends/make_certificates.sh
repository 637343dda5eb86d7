#!/usr/bin/env bash
# Makes the certificates the TLS tests use, in DIR: a CA; server certificates it signs, one
# for DNS:backend.test and IP:127.0.0.1 (server) and one for the name only (named-server);
# a client certificate it signs; and a second CA that signs nothing (to be distrusted with).
# P-256 keys, valid for two days.
# Usage: Tests/Backends/make_certificates.sh DIR
set -euo pipefail
dir="$1"
cd "$dir"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() {  # name subject
    key "$1.key"
    openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 2 -subj "/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}
leaf() {  # name subject extensions
    key "$1.key"
    openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$2"
    printf '%s\n' "$3" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" -days 2 \
        -extfile "$1.ext" 2>/dev/null
}
ca ca "Manifold Test CA"
ca other-ca "Another Test CA"
leaf server backend.test "subjectAltName=DNS:backend.test,IP:127.0.0.1
extendedKeyUsage=serverAuth"
leaf named-server backend.test "subjectAltName=DNS:backend.test
extendedKeyUsage=serverAuth"
leaf client manifold-gateway "extendedKeyUsage=clientAuth"
