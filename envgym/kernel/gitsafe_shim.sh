# envgym's hardened git (envgym/kernel/gitsafe.py explains): run the real git on a repository someone else
# controls without running any program its configuration names. Used as a file named `git` first on
# a check's PATH, or inline: bash -c "$(cat gitsafe_shim.sh)" git <args...>.
# Needs bash (arrays, ${x,,}); no temporary files (/tmp may be unusable), no here-documents.

set -f
# The real git: the first on PATH that is not this shim.
self_dir=
case ${BASH_SOURCE[0]:-} in */*) self_dir=$(cd "${BASH_SOURCE[0]%/*}" 2>/dev/null && pwd -P) ;; esac
search=$PATH path_wo_self=
while [ -n "$search" ]; do
  entry=${search%%:*}
  if [ "$entry" = "$search" ]; then search=; else search=${search#*:}; fi
  [ -n "$self_dir" ] && [ "$(cd "$entry" 2>/dev/null && pwd -P)" = "$self_dir" ] && continue
  path_wo_self=${path_wo_self:+$path_wo_self:}$entry
done
real=$(PATH=$path_wo_self command -v git) || { echo "git: command not found" >&2; exit 127; }

# No system or global config, no prompts, no pager, editors that change nothing, no program from
# the environment; no optional index writes, so a check leaves the repository as it found it.
# GIT_PROXY_COMMAND set (even empty) makes git ignore core.gitProxy, which config cannot override
# (its first value wins, and the repository's is read first).
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0 GIT_ASKPASS= \
  GIT_PAGER=cat GIT_EDITOR=true GIT_SEQUENCE_EDITOR=true GIT_OPTIONAL_LOCKS=0 GIT_PROXY_COMMAND= \
  GIT_PROTOCOL_FROM_USER=0
unset GIT_EXTERNAL_DIFF GIT_SSH GIT_SSH_COMMAND SSH_ASKPASS GIT_CONFIG_PARAMETERS

# The options before the subcommand that choose the repository: the same for reading its config.
select=() i=1
while [ "$i" -le $# ]; do
  arg=${!i} next=$((i + 1))
  case $arg in
    -C|--git-dir|--work-tree|--namespace|-c|--config-env) select+=("$arg" "${!next-}"); i=$((i + 2)) ;;
    --git-dir=*|--work-tree=*|--namespace=*|--config-env=*|--bare) select+=("$arg"); i=$next ;;
    -*) i=$next ;;
    *) break ;;
  esac
done
# Options a few commands get so that config cannot choose the program: an external diff or textconv
# (an empty diff.external would still be "run"), and the remote side of a transport (the
# repository's remote.<name>.uploadpack/receivepack is read first, and the first value wins).
case ${!i-} in
  diff|log|show|whatchanged) set -- "${@:1:i}" --no-ext-diff --no-textconv "${@:i+1}" ;;
  blame|annotate) set -- "${@:1:i}" --no-textconv "${@:i+1}" ;;
  fetch|pull|ls-remote) set -- "${@:1:i}" --upload-pack=git-upload-pack "${@:i+1}" ;;
  push) set -- "${@:1:i}" --receive-pack=git-receive-pack "${@:i+1}" ;;
esac

n=${GIT_CONFIG_COUNT:-0}
case $n in ''|*[!0-9]*) n=0 ;; esac
add() { export "GIT_CONFIG_KEY_$n=$1" "GIT_CONFIG_VALUE_$n=$2"; n=$((n + 1)); }
# Keys whose value is a program, or that make git run one (signatures, hooks, monitors, transports).
add core.fsmonitor false
add core.hooksPath /dev/null
add core.pager cat
add core.editor true
add sequence.editor true
add core.askPass ""
add core.sshCommand ssh
add core.alternateRefsCommand ""
add credential.helper ""
add diff.external ""
add interactive.diffFilter ""
add gpg.program /dev/null
add gpg.openpgp.program /dev/null
add gpg.x509.program /dev/null
add gpg.ssh.program /dev/null
add gpg.ssh.defaultKeyCommand ""
add log.showSignature false
add commit.gpgSign false
add tag.gpgSign false
add tag.forceSignAnnotated false
add push.gpgSign false
add merge.verifySignatures false
# Transports: git's usual ones stay as they are; ext:: (runs a command) and every remote helper
# (git-remote-<name> from PATH) are refused: policy "user" with GIT_PROTOCOL_FROM_USER=0.
add protocol.allow user
add protocol.ext.allow never
for proto in file git http https ssh; do add "protocol.$proto.allow" always; done
add gc.auto 0
add maintenance.auto false
add diff.ignoreSubmodules all
add status.submoduleSummary false
add submodule.recurse false
add fetch.recurseSubmodules false
add push.recurseSubmodules no
export GIT_CONFIG_COUNT=$n

# Every config name of the repository, includes resolved, read with the overrides above already in
# force (reading the index would otherwise start core.fsmonitor). Reading config runs nothing, but
# a FIFO (as config or an included file) would block: bounded, and then git is not run at all.
limit=
command -v timeout >/dev/null 2>&1 && limit="timeout ${ENVGYM_GIT_CONFIG_TIMEOUT_S:-20}"
names=$($limit "$real" "${select[@]}" config --list --includes --name-only 2>/dev/null)
if [ $? -eq 124 ]; then
  echo "git (envgym): the repository's configuration could not be read in time (a FIFO?); git was not run" >&2
  exit 128
fi

# Submodules: git status/diff run git inside each one, where the submodule's own config names
# drivers this shim never saw. They are ignored instead, by name wherever a name is declared
# (.git/config, and .gitmodules in the work tree, the index and HEAD).
modules=
top=$($limit "$real" "${select[@]}" rev-parse --show-toplevel 2>/dev/null)
for source in ${top:+"--file=$top/.gitmodules"} --blob=:.gitmodules --blob=HEAD:.gitmodules; do
  [ "$source" = "--file=$top/.gitmodules" ] && [ ! -f "$top/.gitmodules" ] && continue
  modules+=$'\n'$($limit "$real" "${select[@]}" config "$source" --list --name-only 2>/dev/null)
done

# Keys named after something the repository chose (a driver, a remote, a tool): each one it defines.
IFS='
'
for name in $modules; do
  case ${name,,} in submodule.*.*) sub=${name#*.}; add "submodule.${sub%.*}.ignore" all ;; esac
done
for name in $names; do
  case ${name,,} in
    submodule.*.*) sub=${name#*.}; add "submodule.${sub%.*}.ignore" all ;;
    filter.*.clean|filter.*.smudge|filter.*.process) add "$name" "" ;;
    filter.*.required) add "$name" false ;;
    diff.*.textconv) add "$name" cat ;;
    diff.*.command) add "$name" "" ;;
    # git's own three-way text merge in place of the repository's driver: conflicts stay conflicts.
    merge.*.driver) add "$name" "git merge-file --marker-size=%L %A %O %B" ;;
    credential.*.helper) add "$name" "" ;;
    remote.*.vcs) add "$name" "" ;;
    protocol.file.allow|protocol.git.allow|protocol.http.allow|protocol.https.allow|protocol.ssh.allow) ;;
    protocol.ext.allow) add "$name" never ;;
    protocol.*.allow) add "$name" user ;;
    pager.*) add "$name" false ;;
    alias.*) add "$name" "" ;;
    difftool.*.cmd|difftool.*.path|mergetool.*.cmd|mergetool.*.path) add "$name" "" ;;
    hook.*.command) add "$name" "" ;;
  esac
done
unset IFS
export GIT_CONFIG_COUNT=$n
set +f
exec "$real" "$@"
