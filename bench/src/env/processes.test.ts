import { heapSpacesOf } from './processes.js';

describe('heapSpacesOf', () => {
  it("when given prom-client's default metrics, then it reads each V8 heap space's size in MiB and nothing else", () => {
    const text = [
      '# HELP nodejs_heap_space_size_total_bytes Process heap space size total from Node.js in bytes.',
      '# TYPE nodejs_heap_space_size_total_bytes gauge',
      'nodejs_heap_space_size_total_bytes{space="new",service="api"} 33554432',
      'nodejs_heap_space_size_total_bytes{space="old"} 52428800',
      'nodejs_heap_space_size_total_bytes{space="code_large_object"} 0',
      'nodejs_heap_space_size_used_bytes{space="old"} 40000000',
      'process_resident_memory_bytes 157286400',
    ].join('\n');
    expect(heapSpacesOf(text)).toEqual({ new: 32, old: 50, code_large_object: 0 });
  });

  it('when the text has no heap space metric, then the result is empty', () => {
    expect(heapSpacesOf('process_resident_memory_bytes 1\n')).toEqual({});
  });
});
