"""``dw.trace``: run a model once with hooks on its layers and return the ``Trace``."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from operator import attrgetter
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.rnn import PackedSequence

from dlwidgets.capture.chain import global_hooks, run_chain
from dlwidgets.capture.hooks import ForwardHooks
from dlwidgets.capture.host_copy import to_host
from dlwidgets.capture.lineage import Lineage
from dlwidgets.capture.plan import Plan, plan_for, selector_key
from dlwidgets.capture.preserve import preserved
from dlwidgets.capture.quick_chain import QuickChain, remember, remembered
from dlwidgets.capture.record import Layer, Trace
from dlwidgets.capture.recorder import (
    OUTPUT,
    Call,
    Recorder,
    Reducer,
    Spoiled,
    copy_shared,
    kept_value,
)
from dlwidgets.capture.selection import LayerSelector
from dlwidgets.capture.stateless import as_torch_wrote_it
from dlwidgets.capture.tensors import describe, iter_tensors, map_tensors
from dlwidgets.errors import TraceError

LossFn = Callable[[Any], torch.Tensor]


def _input_name(position: int | str) -> str:
    return "input" if position == 0 else f"input.{position}"


def trace(
    model: nn.Module,
    *inputs: Any,
    kwargs: dict[str, Any] | None = None,
    layers: LayerSelector = None,
    ops: bool = False,
    grads: bool = False,
    target: torch.Tensor | int | None = None,
    loss_fn: LossFn | None = None,
    reduce: Reducer | None = None,
) -> Trace:
    """Run ``model(*inputs, **kwargs)`` once and record every layer call.

    - ``layers``: which modules to record: a name pattern (``"fc*"``), a module
      type (``nn.Linear``) or a list of them; by default every leaf module.
    - ``ops=True``: also record the torch functions the model's own code calls
      (``F.relu``, ``x + y``, ``torch.cat``, ``flatten``…), each as a step.
    - ``grads=True`` with ``target`` (class indices, for cross-entropy) or
      ``loss_fn`` (output → scalar): one backward pass fills ``layer.grad``
      (∂L/∂output) and ``trace.param_grads`` (∂L/∂parameter); the model's
      ``.grad`` fields are not touched.
    - ``reduce(name, tensor) -> tensor`` shrinks each captured tensor on its
      device before the single copy to the host; the model's return value is
      reduced too, under the name ``"<output>"`` (no record has that name; the
      inputs are kept whole).

    The model runs in its own training mode and is left exactly as it was: no
    hooks, the same modes, buffers (BatchNorm statistics) and RNG state. An
    error inside the forward raises :class:`~dlwidgets.errors.TraceError`
    naming the layer and its input shapes.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"dw.trace expects a torch.nn.Module, got {type(model).__name__}")
    if not inputs and not kwargs:
        raise TypeError("dw.trace needs at least one input: dw.trace(model, x)")
    if grads and (target is None) == (loss_fn is None):
        raise TypeError("grads=True needs exactly one of target= (class indices) or loss_fn=")
    if layers is not None and not isinstance(layers, (str, type)):
        layers = tuple(layers)  # once: a generator would be used up
    # A plain chain of torch's own modules that cannot change the model: the quick way,
    # remembered per model once the general path below has found it suitable.
    quick_call = not kwargs and len(inputs) == 1 and not grads and reduce is None
    selector = selector_key(layers, ops)
    if quick_call and (quick := remembered(model, selector, inputs[0])) is not None:
        return quick.run(model, inputs[0])
    kwargs = dict(kwargs or {})
    plan = plan_for(model, layers, ops)
    if quick_call and (quick := QuickChain.found(model, plan, inputs[0])) is not None:
        return remember(model, selector, quick).run(model, inputs[0])
    with _general_path, _collector.off():
        return _traced(model, plan, inputs, kwargs, ops, grads, target, loss_fn, reduce)


def _traced(
    model: nn.Module,
    plan: Plan,
    inputs: tuple[Any, ...],
    kwargs: dict[str, Any],
    ops: bool,
    grads: bool,
    target: torch.Tensor | int | None,
    loss_fn: LossFn | None,
    reduce: Reducer | None,
) -> Trace:
    """The general path: a plain Sequential run as a chain, or hooks (``_run_hooked``);
    the model's state guarded, gradients, and the records finished."""
    named_inputs, model_inputs, nested = _inputs_kept(inputs, kwargs)
    chain = plan.chain_for(inputs, kwargs)
    # Captures are copied only when something writes into them; if an unannounced
    # write slipped through, trace once more copying every capture.
    loss = None
    param_grads: dict[str, torch.Tensor] = {}
    for copy_on_write in (not torch.is_inference_mode_enabled(), False):
        guard = preserved(model, plan.modules)
        try:
            with (
                guard,
                torch.set_grad_enabled(grads),
                _backward_ready(plan.modules) if grads else nullcontext(),
            ):
                if chain is not None:
                    calls, output = run_chain(
                        chain,
                        plan.steps,
                        inputs[0],
                        copy_on_write=copy_on_write,
                        grads=grads,
                        reduce=reduce,
                        model=model,
                        restored=guard.restored,
                    )
                else:
                    recorder = Recorder(
                        plan.recorded,
                        plan.scopes if ops else {},  # op names only
                        grads=grads,
                        reduce=reduce,
                        copy_on_write=copy_on_write,
                        restored=guard.restored,
                    )
                    calls, output = _run_hooked(
                        recorder, model, plan, inputs, kwargs, named_inputs, ops
                    )
                if grads:  # before the buffers are put back: the graph may have read them
                    loss = _loss(output, target, loss_fn)
                    param_grads = _backward(calls, model, loss)
                # Inside the guard: a reduce= may draw random numbers.
                output = _output_kept(output, reduce)
                # A capture (or the output) may be a buffer the forward changed and
                # that is about to be put back: it keeps what the forward made.
                kept = [calls, output]
                guard.before_restore = lambda written, kept=kept: copy_shared(kept, written)
        except Spoiled:
            _restore_inputs(named_inputs, model_inputs, nested)
            continue
        break
    # A record may view memory that outlives the trace and changes after it: the
    # caller's input (nn.Flatten or nn.Identity first), a parameter (a class token)
    # or a buffer (a positional table). The trace keeps its own copy.
    outside = _outside_memory(named_inputs, plan.modules)
    if chain is None:  # the recorder lists each capture it kept without a copy
        recorder.own_copies(outside)
    copy_shared(kept, outside, host_only=True, records=chain is not None)
    calls, output = kept
    names = {id(p): name for name, p in model.named_parameters()} if grads else {}
    return _finish(calls, model_inputs, output, loss, param_grads, names, grads)


def _outside_memory(named_inputs: dict[str, Any], modules: list[nn.Module]) -> list[torch.Tensor]:
    """The caller's input tensors, and the parameters and buffers of ``modules`` (of
    those that might return them: not torch's own)."""
    found = [t for value in named_inputs.values() for t in iter_tensors(value)]
    for module in modules:  # loops, not generators: this runs on every trace
        if (module._parameters or module._buffers) and not as_torch_wrote_it(module):
            found += module._parameters.values()
            found += module._buffers.values()
    return [t for t in found if t is not None]


def _output_kept(output: Any, reduce: Reducer | None) -> Any:
    """The model's return value, detached and passed through ``reduce`` as ``"<output>"``.

    Without autograd it is already detached: the same object as the last
    record's capture, so it is brought from a device once.
    """
    if not isinstance(output, torch.Tensor) or output.requires_grad:
        output = map_tensors(output, lambda t: t.detach() if t.requires_grad else t)
    if reduce is not None:
        output = map_tensors(
            output, lambda t: kept_value(OUTPUT, t, copy_on_write=True, reduce=reduce)[0]
        )
    return output


def _inputs_kept(
    inputs: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, torch.Tensor], list[tuple[torch.Tensor, torch.Tensor]]]:
    """The inputs by name; a copy of each tensor input, kept before the forward (a model
    may overwrite its own input in place); and each tensor inside a list, tuple or dict
    input with a copy (the first pass may write into them, and a second one must start
    from what the user passed)."""
    if not kwargs and len(inputs) == 1 and isinstance(inputs[0], torch.Tensor):
        x = inputs[0]  # the common case
        return {"input": x}, {"input": (x.detach() if x.requires_grad else x).clone()}, []
    named_inputs = {_input_name(i): value for i, value in enumerate(inputs)}
    named_inputs.update({_input_name(key): value for key, value in kwargs.items()})
    model_inputs = {
        name: value.detach().clone()
        for name, value in named_inputs.items()
        if isinstance(value, torch.Tensor)
    }
    nested = [
        (tensor, tensor.detach().clone())
        for value in named_inputs.values()
        if not isinstance(value, torch.Tensor)
        for tensor in iter_tensors(value)
    ]
    return named_inputs, model_inputs, nested


def _restore_inputs(
    named_inputs: dict[str, Any],
    saved: dict[str, torch.Tensor],
    nested: list[tuple[torch.Tensor, torch.Tensor]],
) -> None:
    """Give the model's inputs back the values they had before the first pass."""
    pairs = [(v, saved[k]) for k, v in named_inputs.items() if isinstance(v, torch.Tensor)]
    with torch.no_grad():
        for tensor, before in pairs + nested:
            if tensor.shape == before.shape and torch.equal(tensor, before):
                continue
            try:
                tensor.copy_(before)
            except RuntimeError as exc:
                raise TraceError(
                    f"the model wrote into its input {describe(tensor)} in place without "
                    f"saying so, and it could not be put back for a second pass: {exc}"
                ) from exc


def _run_hooked(
    recorder: Recorder,
    model: nn.Module,
    plan: Plan,
    inputs: tuple[Any, ...],
    kwargs: dict[str, Any],
    named_inputs: dict[str, Any],
    ops: bool,
) -> tuple[list[Call], Any]:
    """The general path: hooks on the recorded modules, and a ``TorchFunctionMode``
    that carries the dataflow through the model's own code between them."""
    hooks = ForwardHooks(wrap=not global_hooks() and not _copies_itself(plan.modules))
    hooked_only = _fused_parts(recorder.recorded)
    try:
        for module in recorder.recorded:
            hooks.add(
                module,
                recorder.before,
                recorder.after,
                recorder.traced_forward,
                wrap=module not in hooked_only,
            )
        if ops:  # op names carry the module they were called from
            for module in plan.scopes:
                if module not in recorder.recorded:
                    hooks.add(module, recorder.enter_scope, recorder.leave_scope)
        for name, value in named_inputs.items():
            for tensor in iter_tensors(value):
                recorder.tags.set(tensor, (name,))
        lineage = Lineage(
            recorder.tags,
            recorder.busy,
            recorder.record_op if ops else None,
            recorder.protect if recorder.copy_on_write else None,
        )
        recorder.mode = lineage
        try:
            with lineage:
                try:
                    output = model(*inputs, **kwargs)
                finally:
                    recorder.bring_mode_back()
        except TraceError:
            raise  # already says where (reduce= failed, say)
        except Exception as exc:
            raise recorder.error(exc, model) from exc
    finally:
        hooks.remove()
        # The mode holds the recorder's methods: without this the pair is a cycle,
        # and every capture would wait for the cyclic GC instead of the Trace's end.
        # So would the errors a layer raised and the model caught (their tracebacks
        # reach the recorder).
        recorder.mode = None
        recorder.forget_failures()
    if recorder.copy_on_write and recorder.overwritten():
        raise Spoiled
    return recorder.done, output


# The general path writes stand-ins and hooks into the model's modules: traces on
# it take turns, whichever models they trace (two threads may trace one model, or
# a model and one of its parts). Re-entrant: a model whose forward traces goes on.
# (A forward that waits on another thread tracing would wait for good.)
_general_path = threading.RLock()


def _copies_itself(modules: list[nn.Module]) -> bool:
    """A model that copies its modules on each forward (``nn.DataParallel`` on several
    devices) or compiles them (``torch.compile``): stand-in forwards would be copied,
    or compiled, with them. They get hooks."""
    kinds: tuple[type, ...] = (nn.DataParallel,)
    dynamo = sys.modules.get("torch._dynamo.eval_frame")  # imported by torch.compile only
    if dynamo is not None:
        kinds += (dynamo.OptimizedModule,)
    return any(isinstance(module, kinds) for module in modules)


def _fused_parts(recorded: dict[nn.Module, str]) -> set[nn.Module]:
    """The parts of a recorded torch transformer layer that are recorded too: the layer
    runs one fused kernel instead of them unless one has hooks, so they get hooks."""
    parts: set[nn.Module] = set()
    for module in recorded:
        if type(module).__module__ == "torch.nn.modules.transformer":
            inside = [m for m in module.modules() if m is not module and m in recorded]
            if inside:
                parts.update(inside)
                parts.add(module)
    return parts


def _backward_ready(modules: list[nn.Module]) -> AbstractContextManager[Any]:
    """cuDNN's RNN kernels only run backward in training mode: without them for eval RNNs.

    PyTorch's own kernels give the same values in eval mode and can be
    differentiated; the model's modes are not touched.
    """
    needs = any(
        isinstance(module, nn.RNNBase)
        and not module.training
        and any(p.is_cuda for p in module.parameters(recurse=False))
        for module in modules
    )
    return _cudnn.off() if needs else nullcontext()


class _SharedSwitch:
    """A process-wide setting turned off while any trace needs it off.

    Traces in several threads (a Playground's and the kernel's) share one switch.
    The first turns the setting off if it was on, and the last turns it back on
    then, and only then: a setting found off is left to whoever turned it off
    (``timeit`` pauses the collector in another thread, say), so a trace never
    leaves it off for good.
    """

    def __init__(self, read: Callable[[], bool], write: Callable[[bool], None]):
        self._read = read
        self._write = write
        self._lock = threading.Lock()
        self._users = 0
        self._turned_off = False

    @contextmanager
    def off(self) -> Iterator[None]:
        with self._lock:
            self._users += 1
            if self._users == 1 and self._read():
                self._turned_off = True
                self._write(False)
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0 and self._turned_off:
                    self._turned_off = False
                    self._write(True)


def _set_cudnn(on: bool) -> None:
    torch.backends.cudnn.enabled = on


def _set_collector(on: bool) -> None:
    if on:
        gc.enable()
    else:
        gc.disable()


_cudnn = _SharedSwitch(lambda: torch.backends.cudnn.enabled, _set_cudnn)
# A hooked trace makes a few objects per record, all freed by reference counting
# (it makes no reference cycles: tests/unit/test_capture.py checks each corpus
# model), yet enough of them to start a pass of the cyclic collector on most
# traces. Paused while it runs; the pass comes after, as it would have.
_collector = _SharedSwitch(gc.isenabled, _set_collector)


def _loss(output: Any, target: torch.Tensor | int | None, loss_fn: LossFn | None) -> torch.Tensor:
    try:
        loss = loss_fn(output) if loss_fn is not None else _cross_entropy(output, target)
    except Exception as exc:
        shapes = ", ".join(describe(t) for t in iter_tensors(output))
        raise TraceError(f"the loss failed on the model's output {shapes}: {exc}") from exc
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        raise TraceError(f"the loss must be a scalar tensor; got {loss!r:.80}")
    return loss


def _cross_entropy(output: Any, target: torch.Tensor | int | None) -> torch.Tensor:
    logits = output if isinstance(output, torch.Tensor) else next(iter_tensors(output))
    labels = torch.as_tensor(target, device=logits.device)
    if labels.dim() == 0 and logits.dim() == 2:
        labels = labels.expand(logits.shape[0])
    if labels.dim() == 0:
        labels = labels.reshape(1)
        logits = logits.reshape(1, -1)
    return F.cross_entropy(logits.float(), labels.long())


def _backward(calls: list[Call], model: nn.Module, loss: torch.Tensor) -> dict[str, torch.Tensor]:
    """One backward pass: fills each call's ``grads``; returns ∂L/∂parameter by name.

    ``autograd.grad`` returns the gradients instead of accumulating them into
    the parameters' ``.grad``, which stay as the user left them.
    """
    edges = [(call, key, edge) for call in calls if call.edges for key, edge in call.edges.items()]
    params = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    wanted = [edge for _, _, edge in edges] + [p for _, p in params]
    if not wanted:
        return {}
    found = torch.autograd.grad(loss, wanted, allow_unused=True)
    for (call, key, _), grad in zip(edges, found[: len(edges)], strict=True):
        if grad is not None:
            if call.grads is None:
                call.grads = {}
            call.grads[key] = grad
    return {
        name: grad
        for (name, _), grad in zip(params, found[len(edges) :], strict=True)
        if grad is not None
    }


def _grads_like(value: Any, grads: dict[int, torch.Tensor]) -> Any:
    """The gradients of a call's outputs, in the outputs' structure."""
    if isinstance(value, PackedSequence):  # only its data has a gradient
        grad = grads.get(id(value.data))
        return None if grad is None else value._replace(data=grad)
    if isinstance(value, torch.Tensor):
        return grads.get(id(value))
    if isinstance(value, (tuple, list)):
        return type(value)(_grads_like(item, grads) for item in value)
    if isinstance(value, dict):
        return {key: _grads_like(item, grads) for key, item in value.items()}
    return None


_ORDER = attrgetter("order")


def _finish(
    calls: list[Call],
    model_inputs: dict[str, torch.Tensor],
    output: Any,
    loss: torch.Tensor | None,
    param_grads: dict[str, torch.Tensor],
    param_names: dict[int, str],
    traced_grads: bool,
) -> Trace:
    calls = sorted(calls, key=_ORDER)  # the hooked path finishes calls inside out
    captured = [c.captured for c in calls]
    if traced_grads:
        grads = [_grads_like(call.live, call.grads) if call.grads else None for call in calls]
        (captured, grads, inputs, out, params), copied = to_host(
            [captured, grads, model_inputs, output, param_grads]
        )
    else:
        grads = [None] * len(calls)
        (captured, inputs, out), copied = to_host([captured, model_inputs, output])
        params = param_grads
    records = [
        Layer.made(
            c.name, c.kind, c.module_name, c.call, c.inputs, c.input_shapes, value, grad, c.module
        )
        for c, value, grad in zip(calls, captured, grads, strict=True)
    ]
    return Trace(
        records,
        inputs,
        out,
        loss=None if loss is None else float(loss.detach()),
        param_grads=params,
        param_names=param_names,
        bytes_copied=copied,
    )
