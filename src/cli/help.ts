/** Help texts, printed by `provision --help` and `provision COMMAND --help`. */
const VAULT_FLAGS = `      --vault-password-file FILE  vault password for !vault values and encrypted vars files (repeatable)
      --vault-id LABEL@FILE       vault password of a vault id (repeatable); vault_password_file in
                                  ansible.cfg and ANSIBLE_VAULT_PASSWORD_FILE too`;

const HOST_FLAGS = `  -i, --inventory SOURCE    one more inventory file or directory (repeatable; merged in order)
${VAULT_FLAGS}
  -l, --limit PATTERN       only these hosts: names, groups, globs (web-*), ~regex, app[0], a,b lists, !exclude, &intersect
  -f, --forks N             hosts handled at once (default: forks in ansible.cfg, else 50)
  -e, --extra-vars VARS     key=value pairs, a YAML/JSON mapping, or @file.yaml (highest precedence)
      --accept-new-host-keys  trust and record host keys seen for the first time (never a changed one;
                            also host_key_checking = False in ansible.cfg)
      --timeout SECONDS     connection timeout (default: timeout in ansible.cfg, else 10); a host's
                            ansible_timeout or ansible_ssh_timeout beats it, as in Ansible
INVENTORY may be left out when ansible.cfg says inventory = (or ANSIBLE_INVENTORY is set).`;

/** Where a usage line's description starts (after the two-space indent). */
const USAGE_WIDTH = 38;

/** `provision --help`: the commands, with a line for each named action the resource types offer (their summary). */
export function mainHelp(actions: ReadonlyArray<{ name: string; action: { summary: string } }>): string {
  const actionLines = actions.map(({ name, action }) => `\n  ${`provision ${name} INVENTORY HOST`.padEnd(USAGE_WIDTH)}${action.summary}`).join('');
  return `provision: declarative provisioning over SSH

Usage:
  provision apply INVENTORY [options]   bring every host to the state its roles declare
  provision plan INVENTORY [options]    show what apply would change (apply --check --diff)
  provision exec INVENTORY [--limit P] -- COMMAND...   run a command on the hosts${actionLines}
  provision inventory INVENTORY --list  print the inventory as ansible-inventory does (--graph, --host NAME)
  provision vault encrypt-string        encrypt stdin as a !vault value (--name VAR --vault-id LABEL@FILE)
  provision renew INVENTORY [options]   renew the certificates that are due (for cron)
  provision status INVENTORY [options]  is the fleet healthy? (one round trip per host)
  provision secrets encrypt|edit|rotate FILE   SOPS files with age keys (secrets in git)
  provision help COMMAND | COMMAND --help
  provision --version

Exit codes: 0 success (check mode: nothing to change), 1 a host failed or was
unreachable, 2 bad input (found before any host is contacted), 3 changes
pending (with --check --detailed-exitcode), 130 interrupted (Ctrl-C, SIGTERM:
what runs on a host finishes, nothing new starts; Ctrl-C again quits at once).`;
}

/** Each built-in command's help (`provision COMMAND --help`). */
export const HELP: Record<string, string> = {
  apply: `Usage: provision apply INVENTORY [options]

Brings every selected host to the state declared by its roles, changing only
what differs. Hosts run in parallel; one failing host never stops the others.
Hosts with a serial (the variable, or --serial) roll after the others, batch by
batch: each is taken out of its load balancers before a change that interrupts
serving, changed, health-checked and put back; a failed batch stops the rest.

Options:
  -C, --check               change nothing: probe and report what would change
  -D, --diff                show each change (unified diffs for changed files, the first lines of new ones)
      --full-diff           like --diff, with new files in full
  -t, --tags TAGS           only resources with these tags (a role's name is a tag)
      --json                print one JSON document at the end instead of progress
      --detailed-exitcode   with --check: exit 3 when changes are pending
      --roles-path DIR      look for roles here first (repeatable); then the inventory's
                            directory's roles/, then provision's own
      --files-path DIR      archive sources may also be here (repeatable); by default
                            only inside the inventory's directory
      --out FILE            with --check (or plan): save the plan to FILE
      --plan FILE           apply exactly the saved plan; refuse, changing nothing,
                            if any host would now change something else
      --serial N|P%         roll every selected host in one set, in batches of N hosts
                            (or P percent of them; 100% = all at once, no draining)
${HOST_FLAGS}`,
  plan: `Usage: provision plan INVENTORY [options]

Same as apply --check --diff: shows exactly what apply would change and
touches nothing. Accepts the options of apply.`,
  renew: `Usage: provision renew INVENTORY [options]

Reads the expiry of every certificate the inventory declares (role
loadbalancer: acme_domains) from the host serving it, and renews the ones with
less than a third of their lifetime left (or renew_before_days), the way apply
does: order, install, nginx -t, reload. Prints nothing when nothing is due; a
failed renewal leaves the deployed certificate as it was and exits 1 with the
ACME server's error. After a failed order, new orders wait (10 min, doubling,
at most a day); a lock keeps two renews apart.

Options:
      --force               renew every certificate, due or not
      --dry-run             say what would be renewed; order and change nothing
      --print-cron          print a crontab line running renew twice a day (with
                            SOPS_AGE_KEY_FILE=... when the secrets are in SOPS files)
  -q, --quiet               print errors only (what cron should run)
      --roles-path DIR      look for roles here first (repeatable), as apply does
      --files-path DIR      archive sources may also be here (repeatable), as apply does
${HOST_FLAGS}`,
  status: `Usage: provision status INVENTORY [options]

Checks every selected host in one round trip (hosts in parallel, over the
same transports as apply: SSH, through a jump host, or local) and
prints a table, problems first: reachable, load, memory and disk use, the
services its roles start, ufw, requests per second (nginx stub_status over a
second), certificates served with days left, replication of a MySQL replica,
when provision last applied there. What is checked comes from the roles
(their services, and their status: declarations); thresholds are role
variables. Exit 0 when every host is healthy, 1 when any is not, 130 when
Ctrl-C stopped it before a round finished.

Options:
      --json                one JSON document: {"healthy", "hosts": {NAME: {...}}}
  -w, --watch               check again and again (Ctrl-C to stop; exits as the last finished round)
      --interval SECONDS    seconds between rounds with --watch (default 5)
      --roles-path DIR      look for roles here first (repeatable), as apply does
      --files-path DIR      archive sources may also be here (repeatable), as apply does
${HOST_FLAGS}`,
  secrets: `Usage:
  provision secrets encrypt --age RECIPIENT[,RECIPIENT] FILE   print FILE as a SOPS file
  provision secrets edit FILE                  change a SOPS file in $SOPS_EDITOR / $EDITOR
  provision secrets rotate FILE [--age RECIPIENT[,RECIPIENT]]  new data key (and recipients)

SOPS files keep the keys of a YAML or JSON file readable and encrypt each value
(AES-256-GCM) with a data key that is itself encrypted with age for each
recipient; a MAC covers all values. The sops tool reads and writes the same
files. An inventory reads a value with
  db_password: { secret: { sops: secrets.sops.yaml, key: db.password } }

Recipients: age1... (age-keygen) or SSH public keys (ssh-ed25519, ssh-rsa);
without --age, encrypt uses $SOPS_AGE_RECIPIENTS. The identity that decrypts is
looked for where sops looks: $SOPS_AGE_KEY_FILE, $SOPS_AGE_KEY,
$XDG_CONFIG_HOME/sops/age/keys.txt (~/.config/...), $SOPS_AGE_SSH_PRIVATE_KEY_FILE,
~/.ssh/id_ed25519, ~/.ssh/id_rsa.

edit decrypts into a private temporary file (0600, in /dev/shm when there is
one), runs the editor, encrypts the result with the same data key (values you
did not change keep their ciphertext, so a diff shows only your change), then
overwrites and removes the temporary file. rotate writes the file in place.

Options (encrypt):
      --age RECIPIENTS          comma-separated, or repeat the option
      --unencrypted-suffix S    leave values under keys ending in S plain (default _unencrypted)
      --encrypted-suffix S      encrypt only values under keys ending in S
      --unencrypted-regex RE    leave values under keys matching RE plain
      --encrypted-regex RE      encrypt only values under keys matching RE
      --mac-only-encrypted      the MAC covers only the encrypted values`,
  exec: `Usage: provision exec INVENTORY [options] -- COMMAND...

Runs COMMAND (shell text) on every selected host, as root when the host has
become: true, and prints each host's output. Exit 1 if it failed anywhere.
As with ssh, COMMAND's words are joined with spaces into one line for the
host's shell: quote for that shell too, e.g. -- 'sh -c "a; b"'. Secrets in
the output are masked as in apply's: the inventory's secret values and those
of the variables the hosts' roles declare secret.

Options:
      --roles-path DIR      look for roles here first (repeatable), as apply does:
                            their secret variables are masked
${HOST_FLAGS}`,
  inventory: `Usage: provision inventory INVENTORY (--list | --graph [GROUP] | --host NAME) [options]

Prints what ansible-inventory prints for the same sources: --list the groups
and every host's merged variables as JSON, --graph the group tree, --host one
host's variables. Values are not read (vaulted ones print as Ansible prints
them); no host is contacted. INVENTORY is a file (YAML or INI) or a directory.
Secrets never print: the values of variables the roles declare secret or
api_key, and Ansible's connection passwords, print as ********.

Options:
  -i, --inventory SOURCE    one more inventory source (repeatable)
  -e, --extra-vars VARS     as for apply
      --roles-path DIR      look for roles here first (repeatable), as apply does:
                            their secret variables are masked
${VAULT_FLAGS}`,
  vault: `Usage: provision vault encrypt-string [--name VAR] (--vault-id LABEL@FILE | --vault-password-file FILE)

Reads a value from standard input (never from the command line, where a
process list would show it) and prints it encrypted as a !vault value, as
ansible-vault encrypt_string does (format 1.2 with a vault id, else 1.1).`,
};

/** Help of a resource type's named action (`provision NAME --help`): its usage, what the action says it does, the options. */
export function actionHelp(name: string, action: { help: string; forceHelp: string }): string {
  return `Usage: provision ${name} INVENTORY HOST [options]

${action.help}

Options:
      --force               ${action.forceHelp}
      --no-edit             do not edit the inventory; print the change to make
${HOST_FLAGS}`;
}
