// A <select> of labelled values, calling back with the chosen value.

export function selectElement(
  className: string,
  options: readonly (readonly [label: string, value: string | number])[],
  onChange: (value: string) => void,
): HTMLSelectElement {
  const select = document.createElement("select");
  select.className = className;
  for (const [label, value] of options) {
    const option = document.createElement("option");
    option.value = String(value);
    option.textContent = label;
    select.appendChild(option);
  }
  select.addEventListener("change", () => onChange(select.value));
  return select;
}
