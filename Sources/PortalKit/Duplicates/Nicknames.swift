/// Common English given-name nicknames and their formal names (Bill/William, Liz/Elizabeth).
/// Written for this project; each group lists the formal name first.
public enum Nicknames {
    static let groups: [[String]] = [
        ["william", "bill", "billy", "will", "willy", "liam"],
        ["robert", "bob", "bobby", "rob", "robbie", "bert"],
        ["richard", "rick", "ricky", "dick", "rich"],
        ["elizabeth", "liz", "lizzie", "beth", "betty", "eliza", "libby", "betsy"],
        ["margaret", "maggie", "meg", "peggy", "marge", "greta"],
        ["katherine", "kate", "katie", "kathy", "kat", "kitty"],
        ["catherine", "cathy", "cate", "cat"], ["james", "jim", "jimmy", "jamie"],
        ["john", "jack", "johnny", "jon"],
        ["jonathan", "jon", "nathan"], ["michael", "mike", "mikey", "mick"],
        ["christopher", "chris", "topher"],
        ["christine", "chris", "chrissy", "tina"], ["joseph", "joe", "joey"],
        ["thomas", "tom", "tommy"],
        ["charles", "charlie", "chuck", "chas"], ["daniel", "dan", "danny"],
        ["david", "dave", "davey"],
        ["edward", "ed", "eddie", "ted", "ned"], ["anthony", "tony"], ["steven", "steve"],
        ["stephen", "steve"],
        ["andrew", "andy", "drew"], ["matthew", "matt"], ["nicholas", "nick", "nicky"],
        ["alexander", "alex", "xander", "sandy"],
        ["alexandra", "alex", "lexi", "sandra"], ["benjamin", "ben", "benny"],
        ["samuel", "sam", "sammy"], ["samantha", "sam", "sammie"],
        ["patricia", "pat", "patty", "trish", "tricia"], ["patrick", "pat", "paddy"],
        ["jennifer", "jen", "jenny"],
        ["jessica", "jess", "jessie"], ["rebecca", "becky", "becca"], ["deborah", "deb", "debbie"],
        ["susan", "sue", "susie"],
        ["suzanne", "sue", "suzy"], ["victoria", "vicky", "tori"], ["abigail", "abby", "gail"],
        ["gregory", "greg"],
        ["timothy", "tim", "timmy"], ["kenneth", "ken", "kenny"], ["ronald", "ron", "ronnie"],
        ["donald", "don", "donnie"],
        ["lawrence", "larry"], ["jeffrey", "jeff"], ["gerald", "gerry", "jerry"],
        ["raymond", "ray"], ["peter", "pete"],
        ["frederick", "fred", "freddie"], ["francis", "frank", "fran"],
        ["frances", "fran", "frannie"], ["albert", "al", "bert"],
        ["alfred", "al", "alfie"], ["harold", "harry", "hal"], ["henry", "hank", "harry"],
        ["theodore", "ted", "teddy", "theo"],
        ["dorothy", "dot", "dottie"], ["barbara", "barb", "babs"], ["kimberly", "kim"],
        ["pamela", "pam"], ["cynthia", "cindy"],
        ["judith", "judy"], ["angela", "angie"], ["teresa", "terry", "tess"],
        ["theresa", "terry", "tess"], ["josephine", "jo", "josie"],
        ["nathaniel", "nate", "nat"], ["zachary", "zach", "zack"], ["joshua", "josh"],
        ["jacob", "jake"], ["vincent", "vince", "vinny"],
        ["leonard", "leo", "len", "lenny"], ["eugene", "gene"], ["douglas", "doug"],
        ["philip", "phil"], ["phillip", "phil"],
        ["allison", "allie", "ally"], ["madeline", "maddie", "maddy"], ["natalie", "nat"],
        ["olivia", "liv", "livvy"],
        ["isabella", "bella", "izzy"], ["gabriel", "gabe"], ["gabriela", "gaby"],
        ["francisco", "paco", "pancho", "frank"],
        ["jose", "pepe", "chepe"], ["guadalupe", "lupe", "lupita"], ["alejandro", "alex", "alejo"],
        ["roberto", "beto"],
        ["eduardo", "lalo", "eddie"], ["ignacio", "nacho"], ["enrique", "kike", "quique"],
        ["manuel", "manny", "manolo"],
        ["maria", "mari"], ["rosario", "charo"], ["mercedes", "meche"], ["dolores", "lola"],
        ["concepcion", "concha", "conchita"],
        ["antonio", "tony", "toño"], ["jesus", "chuy"], ["refugio", "cuco"],
        ["mohammed", "mo", "moe"], ["muhammad", "mo", "moe"],
        ["abdullah", "abdi"], ["abdirahman", "abdi"], ["ibrahim", "ibra"],
        ["aleksandr", "sasha", "alex"], ["dmitri", "dima"],
        ["ekaterina", "katya", "katia"], ["yekaterina", "katya"], ["mikhail", "misha"],
        ["vladimir", "vova", "volodya"],
        // Spellings of one name, as heard (Kathryn or Catherine): the same name to a clerk.
        ["catherine", "katherine", "kathryn", "katharine", "cathryn", "kathrine", "catharine"],
        ["steven", "stephen"], ["sara", "sarah"], ["ann", "anne"], ["jeffrey", "geoffrey"],
        ["philip", "phillip"], ["isabel", "isabelle", "isobel"], ["brian", "bryan"],
        ["carl", "karl"], ["eric", "erik"], ["mohamed", "mohammed", "muhammad", "mohammad"],
        ["jon", "john"], ["sean", "shawn", "shaun"], ["alan", "allan", "allen"],
        ["nicole", "nichole"], ["teresa", "theresa"], ["marc", "mark"], ["lee", "leigh"],
    ]

    /// Every name mapped to the set of names it may stand for (its groups' members).
    public static let equivalents: [String: Set<String>] = {
        var m: [String: Set<String>] = [:]
        for g in groups { for n in g { m[n, default: []].formUnion(g) } }
        return m
    }()

    /// Every name mapped to the numbers of the groups it is in.
    static let groupsOf: [String: [Int]] = {
        var m: [String: [Int]] = [:]
        for (k, g) in groups.enumerated() { for n in g { m[n, default: []].append(k) } }
        return m
    }()

    static func same(_ a: String, _ b: String) -> Bool {
        a == b || (equivalents[a]?.contains(b) ?? false)
    }

    /// The names `name` may stand for (itself among them when it is in a group), read from the
    /// groups: for a command's one look-up, where building `equivalents` first took half a
    /// millisecond of `access explain`'s four.
    static func variants(of name: String) -> [String] {
        groups.filter { $0.contains(name) }.flatMap { $0 }
    }
}
