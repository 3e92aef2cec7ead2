import Foundation
import Safetensors

// libFuzzer's entry point: every input is a candidate file. What is
// checked: decoding never traps (a trap is a finding), and whatever decodes
// survives the round trip — encoding it and decoding again gives the same
// file, and encoding that gives the same bytes (the writer is canonical).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCodec(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
  let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
  guard let file = try? SafetensorsFile.decode(bytes) else { return 0 }
  let encoded = file.encode()
  let again: SafetensorsFile
  do { again = try SafetensorsFile.decode(encoded) } catch {
    fatalError("re-decoding the canonical encoding failed: \(error)")
  }
  // F32 values widened on reading round to themselves; NaN payloads aside,
  // the files must be equal. Compare bit patterns so NaN == NaN.
  guard again.metadata == file.metadata, again.tensors.keys.sorted() == file.tensors.keys.sorted() else {
    fatalError("round trip changed the metadata or the tensor names")
  }
  for (name, t) in file.tensors {
    guard let u = again.tensors[name], u.dtype == t.dtype, u.shape == t.shape,
      u.values.map(\.bitPattern) == t.values.map(\.bitPattern)
    else { fatalError("round trip changed tensor \(name)") }
  }
  guard again.encode() == encoded else { fatalError("encoding is not canonical") }
  return 0
}

// SwiftPM links an executable target with main renamed to <Target>_main
// (so tests can link the module); libFuzzer's own main is the real entry
// point, so this symbol only hands over to its driver.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
  _ argc: UnsafeMutablePointer<CInt>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafeRawPointer?, Int) -> CInt
) -> CInt

@_cdecl("FuzzCodec_main")
public func fuzzCodecMain(
  _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
  var argc = argc
  var argv = argv
  return LLVMFuzzerRunDriver(&argc, &argv, fuzzCodec)
}
