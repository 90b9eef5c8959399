#!/bin/sh
# The host side of the fleet receiver: runs ansible-pull with the JSON callback and posts the
# run report to the receiver, with this host's token. Run it from cron, for example
#
#   */30 * * * * FLEET_RECEIVER=https://fleet.example.com FLEET_TOKEN_FILE=/etc/deploytel/fleet-token \
#       /usr/local/bin/ansible-pull-report.sh -U https://git.example.com/ops/site.git -i localhost, local.yml
#
# Every argument goes to ansible-pull. FLEET_PLAYBOOK names the playbook in the metrics
# (local.yml by default). The token is read from a file and given to curl in a header file,
# so it never shows in a process list. Exits with ansible-pull's exit code.
set -eu

: "${FLEET_RECEIVER:?the receiver's URL, e.g. https://fleet.example.com}"
: "${FLEET_TOKEN_FILE:?the file holding this host's token}"
playbook="${FLEET_PLAYBOOK:-local.yml}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 700 "$work"

status=0
ANSIBLE_STDOUT_CALLBACK=ansible.posix.json ANSIBLE_NOCOLOR=1 \
  ansible-pull "$@" >"$work/output" || status=$?

# ansible-pull prints its checkout's result before the playbook's: the report is the JSON
# document that starts at the first line holding only `{`.
sed -n '/^{$/,$p' "$work/output" >"$work/report.json"
if [ ! -s "$work/report.json" ]; then
  echo "ansible-pull wrote no run report (exit code $status); nothing posted" >&2
  exit "$status"
fi

printf 'Authorization: Bearer %s\n' "$(cat "$FLEET_TOKEN_FILE")" >"$work/headers"
curl --silent --show-error --fail --max-time 30 --retry 3 \
  -H @"$work/headers" -H 'Content-Type: application/json' \
  --data-binary @"$work/report.json" \
  "$FLEET_RECEIVER/v1/reports?playbook=$playbook" >&2 || echo "the report was not delivered" >&2
exit "$status"
