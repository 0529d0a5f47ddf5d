/* layercheck_main.c - the entry point of the layer check programs (src/CMakeLists.txt).
 *
 * Each check links one layer's whole archive and only the layers below it:
 * the program is never run; that it links is the check. */
int main(void)
{
        return 0;
}
