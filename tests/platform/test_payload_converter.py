"""The payload converter is built once per process outside the workflow sandbox, and converts as the SDK's does."""

from temporalio import workflow
from temporalio.contrib.pydantic import PydanticPayloadConverter, pydantic_data_converter

from domain.commands import Channel, Command
from runtime.payload_converter import GOVERN_DATA_CONVERTER, SharedPydanticPayloadConverter
from workflows.messages import ActResult


def test_every_instance_outside_the_sandbox_shares_one_set_of_converters() -> None:
    first, second = SharedPydanticPayloadConverter(), SharedPydanticPayloadConverter()
    assert first.converters is second.converters
    assert list(first.converters) == list(PydanticPayloadConverter().converters)


def test_inside_the_sandbox_each_instance_builds_its_own(monkeypatch) -> None:
    outside = SharedPydanticPayloadConverter()
    monkeypatch.setattr(workflow.unsafe, "in_sandbox", lambda: True)
    inside, again = SharedPydanticPayloadConverter(), SharedPydanticPayloadConverter()
    assert inside.converters is not outside.converters
    assert inside.converters is not again.converters


async def test_payloads_are_the_bytes_the_sdks_pydantic_converter_writes_and_read_back_alike() -> None:
    command = Command(action="screen", actor="programme-officer-pretoria", fields={"decision": "eligible"})
    command = command.model_copy(update={"channel": Channel(name="web")})
    result = ActResult(case_id="grant/T-1", events=["TaskCompleted"], stage="appraisal", closed=False)
    ours = await GOVERN_DATA_CONVERTER.encode([command, result])
    theirs = await pydantic_data_converter.encode([command, result])
    assert [payload.SerializeToString() for payload in ours] == [payload.SerializeToString() for payload in theirs]
    assert await GOVERN_DATA_CONVERTER.decode(ours, [Command, ActResult]) == [command, result]
