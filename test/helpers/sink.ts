// A writable stream that keeps what is written, for a command's stdout or stderr (main(argv, io)).
export function sink() {
  let text = '';
  return {
    stream: {
      write: (s: string) => {
        text += s;
        return true;
      },
    } as unknown as NodeJS.WritableStream,
    get text() {
      return text;
    },
  };
}
