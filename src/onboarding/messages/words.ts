/** "Full legal name" as it reads inside a sentence: "Enter full legal name". */
export const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);
