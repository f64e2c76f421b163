import {
  EXPORT_FLAVORS,
  EXPORT_PLATFORMS,
  exportLabel,
  flavorFitsPlatform,
  nextExports,
  normalizeExportSpecs,
  parseFlavor,
  parsePlatform,
  planExportSequence,
  type ExportSpec,
} from '../../src/customVision/flavors';

describe('Custom Vision flavors and platforms', () => {
  it('knows every flavor and platform the service accepts (more than the v3.3 enum)', () => {
    expect([...EXPORT_FLAVORS].sort()).toEqual(
      [
        'ONNX10',
        'ONNX12',
        'ONNXFloat16',
        'CoreMLFloat16',
        'TensorFlowNormal',
        'TensorFlowLite',
        'TensorFlowLiteFloat16',
        'TensorFlowSavedModel',
        'TensorFlowJs',
        'NoPostProcess',
        'Linux',
        'Windows',
        'ARM',
      ].sort(),
    );
    expect([...EXPORT_PLATFORMS].sort()).toEqual(
      ['CoreML', 'TensorFlow', 'DockerFile', 'ONNX', 'VAIDK', 'OpenVino', 'IVS'].sort(),
    );
  });

  it.each([
    ['tensorflowlite', 'TensorFlowLite'],
    ['TENSORFLOWJS', 'TensorFlowJs'],
    [' onnxfloat16 ', 'ONNXFloat16'],
    ['nopostprocess', 'NoPostProcess'],
    ['arm', 'ARM'],
  ])('parses flavor %p case-insensitively to its canonical casing %p', (text, canonical) => {
    expect(parseFlavor(text)).toBe(canonical);
  });

  it('parses platforms case-insensitively, and refuses what is not one', () => {
    expect(parsePlatform('onnx')).toBe('ONNX');
    expect(parsePlatform('openvino')).toBe('OpenVino');
    expect(parsePlatform('ivs')).toBe('IVS');
    expect(parsePlatform('TensorFlowLite')).toBeUndefined();
    expect(parseFlavor('ONNX')).toBeUndefined();
    expect(parseFlavor(undefined)).toBeUndefined();
  });

  it('knows which flavor belongs to which platform', () => {
    expect(flavorFitsPlatform('tensorflow', 'tensorflowlitefloat16')).toBe(true);
    expect(flavorFitsPlatform('ONNX', 'TensorFlowLite')).toBe(false);
    expect(flavorFitsPlatform('OpenVino', 'NoPostProcess')).toBe(true);
    expect(flavorFitsPlatform('DockerFile', 'ARM')).toBe(true);
  });

  it('normalizes a configured list to canonical casing and refuses duplicates and misfits, naming the setting', () => {
    expect(normalizeExportSpecs([{ platform: 'tensorflow', flavor: 'tensorflowlite' }, { platform: 'onnx' }])).toEqual({
      ok: true,
      specs: [{ platform: 'TensorFlow', flavor: 'TensorFlowLite' }, { platform: 'ONNX' }],
    });
    const dup = normalizeExportSpecs([
      { platform: 'TensorFlow', flavor: 'TensorFlowLite' },
      { platform: 'tensorflow', flavor: 'TENSORFLOWLITE' },
    ]);
    expect(dup).toEqual({ ok: false, message: expect.stringContaining('CV_EXPORT_PLATFORMS') });
    expect(normalizeExportSpecs([{ platform: 'ONNX', flavor: 'Linux' }])).toEqual({
      ok: false,
      message: expect.stringContaining('not a flavor of ONNX'),
    });
  });

  it('labels a flavored export with its flavor (two flavors of one platform, two labels)', () => {
    expect(exportLabel({ platform: 'TensorFlow', flavor: 'TensorFlowLite' })).toBe('TensorFlow.TensorFlowLite');
    expect(exportLabel({ platform: 'TensorFlow', flavor: 'TensorFlowNormal' })).toBe('TensorFlow.TensorFlowNormal');
    expect(exportLabel({ platform: 'ONNX' })).toBe('ONNX');
  });

  const TFN: ExportSpec = { platform: 'TensorFlow', flavor: 'TensorFlowNormal' };
  const TFL: ExportSpec = { platform: 'TensorFlow', flavor: 'TensorFlowLite' };
  const TFJ: ExportSpec = { platform: 'TensorFlow', flavor: 'TensorFlowJs' };
  const ONNX: ExportSpec = { platform: 'ONNX' };
  const ONNX12: ExportSpec = { platform: 'ONNX', flavor: 'ONNX12' };

  it('plans flavors of one platform one after another, other platforms alongside', () => {
    expect(planExportSequence([TFN, ONNX, TFL, TFJ, ONNX12])).toEqual([[TFN, ONNX], [TFL, ONNX12], [TFJ]]);
    // No round holds two exports of one platform.
    for (const round of planExportSequence([TFN, TFL, TFJ, ONNX, ONNX12])) {
      const platforms = round.map((s) => s.platform.toLowerCase());
      expect(new Set(platforms).size).toBe(platforms.length);
    }
    expect(planExportSequence([])).toEqual([]);
  });

  it('asks for the next flavor of a platform only after the previous one is backed up', () => {
    const specs = [TFN, TFL, ONNX];
    expect(nextExports(specs, [])).toEqual([TFN, ONNX]);
    // ONNX done, TensorFlowNormal not yet: TensorFlowLite must wait.
    expect(nextExports(specs, [{ platform: 'onnx' }])).toEqual([TFN]);
    // Done compared case-insensitively.
    expect(nextExports(specs, [{ platform: 'tensorflow', flavor: 'TENSORFLOWNORMAL' }])).toEqual([TFL, ONNX]);
    expect(nextExports(specs, [TFN, TFL, ONNX])).toEqual([]);
  });
});
