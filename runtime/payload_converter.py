"""The pydantic payload converter every govern client, worker and replayer uses, built once per process.

The SDK makes a new data converter, and with it a new payload converter, for every workflow activation it decodes
and encodes, and for every payload an activity's command carries. Each construction of
`temporalio.contrib.pydantic.PydanticPayloadConverter` builds its JSON converter and an empty cache of pydantic
type adapters anew, which the next payload then fills again: on the governance year a few percent of the worker's
time. The converters hold no state but that cache, so outside the workflow sandbox every instance shares the first
one's. Inside the sandbox (one instance per workflow run, whose message classes are that run's own imports) each
instance builds its own, as the SDK's does, so no run's classes outlive it in a cache shared with the next.
"""

from typing import ClassVar

from temporalio import workflow
from temporalio.contrib.pydantic import PydanticPayloadConverter, pydantic_data_converter
from temporalio.converter import DataConverter, EncodingPayloadConverter


class SharedPydanticPayloadConverter(PydanticPayloadConverter):
    _shared: ClassVar[dict[bytes, EncodingPayloadConverter] | None] = None

    def __init__(self) -> None:
        if workflow.unsafe.in_sandbox():
            super().__init__()
            return
        shared = SharedPydanticPayloadConverter._shared
        if shared is None:
            super().__init__()
            SharedPydanticPayloadConverter._shared = shared = dict(self.converters)
        self.converters = shared


#: `temporalio.contrib.pydantic.pydantic_data_converter`, with the shared payload converter.
GOVERN_DATA_CONVERTER = DataConverter(
    payload_converter_class=SharedPydanticPayloadConverter,
    failure_converter_class=pydantic_data_converter.failure_converter_class,
)
