#!/bin/sh
# Generates the TLS test PKI into DIR with the openssl CLI (never commit
# keys: the tests run this at test time into a temporary folder).
#
#   tests/pki/make-pki.sh DIR
#
# Every key is EC P-256. Files, each NAME.key + NAME.crt, and NAME.chain.pem
# (the leaf, then the issuing intermediate) for the leaves:
#
#   root            trusted root CA (the tests' CA file)
#   inter           intermediate CA, issued by root (issues the leaves)
#   other-root      a root nobody trusts
#   notca-inter     "intermediate" issued by root with CA:FALSE
#   good            DNS:localhost, DNS:*.wild.test                  server
#   wrong-host      DNS:wrong.example                               server
#   expired         DNS:localhost, valid 2020-01-01 .. 2021-01-01   server
#   not-yet-valid   DNS:localhost, valid 2090-01-01 .. 2091-01-01   server
#   self-signed     DNS:localhost, its own issuer                   server
#   untrusted       DNS:localhost, issued by other-root             server
#   ip              IP:127.0.0.1, IP:::1                            server
#   ip-as-dns       DNS:127.0.0.1, DNS:*.0.0.1 (never match an IP)  server
#   cn-only         CN=localhost and no subjectAltName              server
#   client-eku      DNS:localhost, extendedKeyUsage clientAuth only server
#   notca-leaf      DNS:localhost, issued by notca-inter            server
#   client          CN=aiocpp test client, clientAuth               mTLS client
#
# The script is idempotent per DIR and prints nothing on success.
set -eu

DIR=${1:?usage: make-pki.sh DIR}
mkdir -p "$DIR"
cd "$DIR"
[ -f .done ] && exit 0

cat > pki.cnf <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused

[ca]
default_ca = ca_default
[ca_default]
dir = .
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none
[policy_any]
commonName = supplied
organizationName = optional

[v3_root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_inter]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_notca]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyCertSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[server_common]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf_localhost]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
[leaf_good]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, DNS:*.wild.test
[leaf_wrong_host]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
[leaf_ip]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, IP:::1
[leaf_ip_as_dns]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:127.0.0.1, DNS:*.0.0.1
[leaf_cn_only]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
[leaf_client_eku]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:localhost
[leaf_client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
CNF

export OPENSSL_CONF="$DIR/pki.cnf"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }

# A fresh CA database per issuer, so each issuer signs on its own.
newdb() {
  rm -rf "db-$1" && mkdir -p "db-$1/newcerts" && : > "db-$1/index.txt" && echo 1000 > "db-$1/serial"
}

# sign ISSUER NAME SUBJECT EXTENSION START END
sign() {
  key "$2"
  openssl req -new -key "$2.key" -subj "$3" -config pki.cnf -out "$2.csr"
  (cd "db-$1" && openssl ca -config ../pki.cnf -batch -notext -cert "../$1.crt" -keyfile "../$1.key" \
      -in "../$2.csr" -out "../$2.crt" -extfile ../pki.cnf -extensions "$4" \
      -startdate "$5" -enddate "$6" 2>/dev/null >/dev/null)
  rm -f "$2.csr"
}

NOW_MINUS=$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)
LATER=$(date -u -d '+30 days' +%Y%m%d%H%M%SZ)

# Roots.
for r in root other-root; do
  key "$r"
  openssl req -x509 -new -key "$r.key" -subj "/CN=aiocpp test $r" -config pki.cnf -extensions v3_root \
      -days 30 -out "$r.crt" 2>/dev/null
  newdb "$r"
done

sign root inter "/CN=aiocpp test intermediate" v3_inter "$NOW_MINUS" "$LATER"
newdb inter
sign root notca-inter "/CN=aiocpp test not-a-CA" v3_notca "$NOW_MINUS" "$LATER"
newdb notca-inter

sign inter good "/CN=localhost" leaf_good "$NOW_MINUS" "$LATER"
sign inter wrong-host "/CN=wrong.example" leaf_wrong_host "$NOW_MINUS" "$LATER"
sign inter expired "/CN=localhost" leaf_localhost 20200101000000Z 20210101000000Z
sign inter not-yet-valid "/CN=localhost" leaf_localhost 20900101000000Z 20910101000000Z
sign other-root untrusted "/CN=localhost" leaf_localhost "$NOW_MINUS" "$LATER"
sign inter ip "/CN=127.0.0.1" leaf_ip "$NOW_MINUS" "$LATER"
sign inter ip-as-dns "/CN=127.0.0.1" leaf_ip_as_dns "$NOW_MINUS" "$LATER"
sign inter cn-only "/CN=localhost" leaf_cn_only "$NOW_MINUS" "$LATER"
sign inter client-eku "/CN=localhost" leaf_client_eku "$NOW_MINUS" "$LATER"
sign notca-inter notca-leaf "/CN=localhost" leaf_localhost "$NOW_MINUS" "$LATER"
sign inter client "/CN=aiocpp test client" leaf_client "$NOW_MINUS" "$LATER"

key self-signed
openssl req -x509 -new -key self-signed.key -subj "/CN=localhost" -config pki.cnf -extensions leaf_localhost \
    -days 30 -out self-signed.crt 2>/dev/null

for leaf in good wrong-host expired not-yet-valid ip ip-as-dns cn-only client-eku client; do
  cat "$leaf.crt" inter.crt > "$leaf.chain.pem"
done
cat untrusted.crt > untrusted.chain.pem
cat self-signed.crt > self-signed.chain.pem
cat notca-leaf.crt notca-inter.crt > notca-leaf.chain.pem
# Make the folder readable by an nginx worker running as nobody.
chmod 755 .
chmod 644 ./*.crt ./*.key ./*.pem
touch .done
