"""``command:local:Command`` (prefect_ecs_tooling.aws_types.command): the emulator runs
the command as pulumi-command's provider would; secret env values reach the child only;
a failure names the exit code and carries stderr's tail; delete runs (in reverse creation
order with the rest); the offline plan runs nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from prefect_ecs_tooling.aws_types import RESOURCE_TYPES
from prefect_ecs_tooling.aws_types.command import CommandFailed, secret_values
from prefect_ecs_tooling.fake_aws import FakeAws
from prefect_ecs_tooling.plan import resource_details
from prefect_ecs_tooling.records import SECRET_SIG, SECRET_VALUE_SIG, redact_secrets
from prefect_ecs_tooling.runner import RecordedResource
from prefect_ecs_tooling.sandbox.emulator import MotoAws, MotoServer

# Real child processes (and moto for the ordering test).
pytestmark = pytest.mark.emulator

TOKEN = "tok_RAW_must_never_leak_4242"
COMMAND = "command:local:Command"


def secret(value: Any) -> dict[str, Any]:
    return {SECRET_SIG: SECRET_VALUE_SIG, "value": value}


def command(name: str, inputs: dict[str, Any]) -> RecordedResource:
    urn = f"urn:pulumi:dev::prefect-ecs::prefect-ecs:index:PrefectEcsWorker${COMMAND}::{name}"
    return RecordedResource(COMMAND, name, urn, "urn:parent", True, inputs)


def offline() -> MotoAws:
    """An emulator no AWS call reaches: a command needs none."""
    return MotoAws("http://127.0.0.1:9")


def test_registered() -> None:
    assert COMMAND in RESOURCE_TYPES


def test_create_runs_with_secret_env_that_reaches_only_the_child(tmp_path: Path) -> None:
    seen = tmp_path / "seen"
    r = command(
        "build",
        {
            "create": f'printf %s "$TOKEN" > {seen}; echo "token=$TOKEN in $PWD"; '
            'echo "warn $TOKEN $PLAIN" >&2; cat',
            "environment": {"TOKEN": secret(TOKEN), "PLAIN": "visible"},
            "dir": str(tmp_path),
            "stdin": "from stdin\n",
            "triggers": ["a", 1.0],
        },
    )
    aws = offline()
    rid, out = aws.register(r)
    assert seen.read_text() == TOKEN  # the child got the plaintext
    assert out["stdout"] == f"token=[secret] in {tmp_path}\nfrom stdin"  # newline trimmed
    assert out["stderr"] == "warn [secret] visible"
    assert out["_exitCode"] == 0 and 0 <= out["_seconds"] < 30
    # The inputs come back as they were (the secret still wrapped, so still secret)...
    assert out["environment"] == r.inputs["environment"] and out["triggers"] == ["a", 1.0]
    # ... and the plaintext is nowhere else.
    assert TOKEN not in json.dumps(redact_secrets(out))
    assert TOKEN not in json.dumps(redact_secrets(aws.created[0].outs))
    assert rid == aws.created[0].id and rid.startswith("build-")
    assert TOKEN not in os.environ.get("TOKEN", "")  # this process's env untouched


def test_non_zero_exit_raises_with_stderr_tail_and_no_secret(tmp_path: Path) -> None:
    r = command(
        "push",
        {
            "create": "for i in $(seq 1 40); do echo line$i >&2; done; "
            'echo "denied for $TOKEN" >&2; echo out; exit 3',
            "environment": {"TOKEN": secret(TOKEN)},
        },
    )
    aws = offline()
    with pytest.raises(CommandFailed) as raised:
        aws.register(r)
    message = str(raised.value)
    assert "command:local:Command push: create exited with 3 after" in message
    assert message.endswith("denied for [secret]")
    assert "line40" in message and "line10\n" not in message  # the tail only
    assert TOKEN not in message and TOKEN not in raised.value.stderr_tail
    assert "$TOKEN" in message  # the command line, which names the variable only
    assert raised.value.exit_code == 3
    assert aws.created == []  # nothing recorded: the provider fails the create too

    # A secret in the command line itself is scrubbed from the message too.
    inline = command("inline", {"create": secret(f"test -n {TOKEN}; exit 4")})
    with pytest.raises(CommandFailed) as raised:
        offline().register(inline)
    assert "create exited with 4" in str(raised.value)
    assert str(raised.value).endswith("running '[secret]' (no stderr)")


def test_a_command_that_cannot_start_fails_naming_it(tmp_path: Path) -> None:
    r = command("nodir", {"create": "true", "dir": str(tmp_path / "missing")})
    with pytest.raises(CommandFailed, match="nodir: create could not start"):
        offline().register(r)


def test_delete_runs_with_recorded_env_and_previous_output(tmp_path: Path) -> None:
    log = tmp_path / "log"
    r = command(
        "image",
        {
            "create": "echo built",
            "delete": f'echo "deleted $TOKEN $PULUMI_COMMAND_STDOUT" >> {log}',
            "environment": {"TOKEN": secret(TOKEN)},
        },
    )
    aws = offline()
    aws.register(r)
    (item,) = aws.created
    rtype = RESOURCE_TYPES[COMMAND]
    assert rtype.exists(item, aws) and aws.leftovers([item]) == [f"{COMMAND} image ({item.id})"]
    assert not log.exists()
    assert [c.name for c in aws.destroy()] == ["image"]
    assert log.read_text() == f"deleted {TOKEN} built\n"
    assert not rtype.exists(item, aws) and aws.leftovers([item]) == []
    assert item.outs["_deleteExitCode"] == 0 and item.outs["_deleteSeconds"] >= 0

    # No delete command: nothing to run, and it is gone all the same.
    quiet = command("quiet", {"create": "true", "addPreviousOutputInEnv": False})
    aws.register(quiet)
    (item,) = aws.created
    aws.destroy()
    assert not rtype.exists(item, aws)


def test_failed_delete_raises_and_leaves_it_in_place() -> None:
    r = command("stuck", {"create": "true", "delete": "echo nope >&2; exit 7"})
    aws = offline()
    aws.register(r)
    with pytest.raises(CommandFailed, match=r"stuck: delete exited with 7 .*\nnope"):
        aws.destroy()
    assert len(aws.created) == 1 and aws.leftovers(aws.created)
    aws.created.clear()


def test_commands_are_deleted_in_reverse_creation_order_with_aws(
    moto: MotoServer, tmp_path: Path
) -> None:
    """A command created after a repository (say, a push into it) is undone before the
    repository is deleted; one created before it, after."""
    moto.reset()
    aws = MotoAws(moto.endpoint_url)
    order = tmp_path / "order"
    ecr = aws.client("ecr")

    def repos() -> list[str]:
        return [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]]

    aws.register(command("first", {"create": "true", "delete": f"echo first >> {order}"}))
    _, repo = aws.register(
        RecordedResource(
            "aws:ecr/repository:Repository",
            "flows",
            "urn:pulumi:dev::p::aws:ecr/repository:Repository::flows",
            None,
            True,
            {"forceDelete": True},
        )
    )
    aws.register(
        command(
            "push",
            {
                "create": "true",
                "delete": f'echo "push $REPO" >> {order}',
                "environment": {"REPO": repo["name"]},
            },
        )
    )
    assert repos() == [repo["name"]]
    aws.destroy()
    assert order.read_text().splitlines() == [f"push {repo['name']}", "first"]
    assert repos() == []


def test_fake_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    r = command(
        "build",
        {
            "create": f"touch {marker}",
            "delete": f"touch {marker}",
            "environment": {"TOKEN": secret(TOKEN)},
        },
    )
    fake = FakeAws(region="eu-west-1", account_id="210987654321")
    rid, out = fake.register(r)
    assert not marker.exists()
    assert out == {**r.inputs, "stdout": "", "stderr": ""}
    assert (rid, out) == fake.register(r)  # deterministic
    assert rid.startswith("build-") and rid != fake.register(command("other", r.inputs))[0]


def test_details_show_names_and_plain_values_never_secrets() -> None:
    r = command(
        "build",
        {
            "create": "docker build -t $REPO .\ndocker push $REPO",
            "delete": "docker rmi $REPO",
            "environment": {"REPO": "123.dkr.ecr/x", "TOKEN": secret(TOKEN)},
            "dir": "/src",
            "triggers": ["sha1", "sha2"],
            "logging": "stderr",
        },
    )
    assert resource_details(r) == [
        "create: docker build -t $REPO .\\ndocker push $REPO",
        "delete: docker rmi $REPO",
        "dir: /src",
        "env: REPO=123.dkr.ecr/x TOKEN=[secret]",
        "triggers: 2",
        "logging: stderr",
    ]
    # One secret value makes the SDK record the whole map as secret: names only then.
    lifted = command("lifted", {"environment": secret({"TOKEN": TOKEN, "REPO": "r"})})
    assert "env: REPO=[secret] TOKEN=[secret]" in resource_details(lifted)
    assert TOKEN not in json.dumps(resource_details(lifted))
    bare = command("bare", {"create": secret("echo hi"), "stdin": "abc", "update": "x"})
    assert resource_details(bare) == [
        "create: [secret]",
        "update: x",
        "delete: (none)",
        "dir: (current directory)",
        "env: (none)",
        "stdin: 3 characters",
        "triggers: 0",
        "logging: stdoutAndStderr (default)",
    ]


def test_secret_values_are_every_long_string_inside_an_envelope() -> None:
    """Short values ("1", "600", a word) are left alone: the SDK makes a whole map secret
    when one value in it is, and scrubbing those would corrupt a command's output."""
    inputs = {
        "a": secret({"x": "one-long-value", "y": ["two-long-value", 3]}),
        "b": "plain-long-value",
        "c": secret(""),
        "d": secret("short"),
    }
    assert secret_values(inputs) == ["one-long-value", "two-long-value"]


def test_through_the_sdk_a_secret_lifts_the_whole_env_and_stays_out_of_outputs(
    tmp_path: Path,
) -> None:
    """pulumi_command's own class under the runner's mocks: the recorded environment is
    one secret map (the SDK lifts it), the child gets every value, the outputs none."""
    from prefect_ecs_tooling.runner import StackConfig, run_program

    seen = tmp_path / "seen"

    def program() -> None:
        import pulumi
        from pulumi_command import local

        build = local.Command(
            "build",
            create=f'printf "%s %s" "$TOKEN" "$REPO" > {seen}; echo "pushed $TOKEN"',
            delete="true",
            environment={"TOKEN": pulumi.Output.secret(TOKEN), "REPO": "flows"},
        )
        pulumi.export("stdout", build.stdout)

    config = StackConfig(
        project="t", stack="s", values={}, secret_keys=[], encrypted_keys=[], schema={}
    )
    aws = offline()
    run = run_program(program, config, aws.register, aws.invoke)
    assert seen.read_text() == f"{TOKEN} flows"
    assert run.outputs["stdout"] == "pushed [secret]"
    (recorded,) = [r for r in run.resources if r.type == COMMAND]
    assert secret_values(recorded.inputs) == [TOKEN]  # "flows" is too short to scrub
    assert TOKEN not in json.dumps(redact_secrets(recorded.inputs))
    assert "env: REPO=[secret] TOKEN=[secret]" in resource_details(recorded)
    aws.destroy()
